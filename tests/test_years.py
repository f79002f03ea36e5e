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


def test_a_weekday_picks_the_years_in_which_the_day_falls_on_it(gazetteer_engine, session):
    # 19 September 2024 and 2019 were Thursdays; 2030 is still to come.
    unknown = session.exec(select(AIModel).where(AIModel.name == "GPT-4")).one().id  # no event known
    inference = infer_year(session, "XXXX-09-19", None, "в четверг, 19 сентября", [unknown], today=date(2026, 11, 27))
    assert inference.start == date(2024, 9, 19)
    assert "2024" in inference.reason
    # With a bound from the knowledge base: the first such year after it.
    llama = _release(session, "LLaMA", date(2018, 1, 1))
    inference = infer_year(session, "XXXX-09-19", None, "в четверг, 19 сентября", [llama], today=date(2026, 11, 27))
    assert inference.start == date(2019, 9, 19)
    # 29 February exists in leap years only; none of those looked at had it on a Wednesday.
    assert infer_year(session, "XXXX-02-29", None, "в четверг, 29 февраля", [unknown], today=date(2026, 11, 27)).start == date(2024, 2, 29)
    assert infer_year(session, "XXXX-02-29", None, "в среду, 29 февраля", [unknown], today=date(2026, 11, 27)) is None
