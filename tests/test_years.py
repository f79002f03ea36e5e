"""Year inference for dates written without a year, from what the knowledge base knows."""

from datetime import date

from sqlmodel import select

from kb.dates import Modifier
from kb.models import AIModel, Event, EventKind, EventModel
from kb.years import infer_year


def _release(session, model_name: str, day: date) -> int:
    model = session.exec(select(AIModel).where(AIModel.name == model_name)).one()
    event = Event(kind=EventKind.release, title="Выпуск", date_start=day, date_end=day, date_value=day.isoformat())
    session.add(event)
    session.flush()
    session.add(EventModel(event_id=event.id, model_id=model.id))
    session.flush()
    return model.id


def test_first_occurrence_after_the_models_first_event(gazetteer_engine, session):
    llama = _release(session, "LLaMA", date(2023, 2, 24))
    inference = infer_year(session, "XXXX-03-03", None, "3 марта", [llama], today=date(2026, 1, 1))
    assert (inference.start, inference.end) == (date(2023, 3, 3), date(2023, 3, 3))
    assert "2023-02-24" in inference.reason
    # A date before the release in the calendar year falls in the next year.
    inference = infer_year(session, "XXXX-02-01", None, "1 февраля", [llama], today=date(2026, 1, 1))
    assert inference.start == date(2024, 2, 1)


def test_a_variant_is_bounded_by_its_family(gazetteer_engine, session):
    _release(session, "LLaMA", date(2023, 2, 24))
    variant = session.exec(select(AIModel).where(AIModel.name == "LLaMA-13B")).one()
    inference = infer_year(session, "XXXX-03", Modifier.start, "в начале марта", [variant.id], today=date(2026, 1, 1))
    assert (inference.start, inference.end) == (date(2023, 3, 1), date(2023, 3, 10))


def test_nothing_known_nothing_inferred(gazetteer_engine, session):
    gpt4 = session.exec(select(AIModel).where(AIModel.name == "GPT-4")).one()
    assert infer_year(session, "XXXX-03-03", None, "3 марта", [gpt4.id]) is None
    assert infer_year(session, "XXXX-03-03", None, "3 марта", []) is None


def test_never_in_the_future(gazetteer_engine, session):
    llama = _release(session, "LLaMA", date(2023, 2, 24))
    assert infer_year(session, "XXXX-12-31", None, "31 декабря", [llama], today=date(2023, 6, 1)) is None
