"""Entities the knowledge base does not know yet: found in articles, stored unreviewed, found again."""

from datetime import date

from sqlmodel import Session, select

from kb.db import session_scope
from kb.extract import extract_events
from kb.extract.matcher import EntityMatcher
from kb.extract.model_names import find_model_names
from kb.extract.people import nominative, same_name
from kb.ingest import ingest_article
from kb.models import AIModel, Alias, ArticleCreate, EventKind, Organization, Person
from kb.names import tokenize


def _people_of(events) -> list[list[str]]:
    """The names of the people each extracted event is about (new to the knowledge base)."""
    learned = {e.ref.id: e.name for event in events for e in event.new_entities}
    return [[learned[p] for p in event.people] for event in events]


def test_latin_model_names_with_sizes_are_found_and_linked_to_their_family(matcher):
    text = "Сравнивали Llama 3 400B, Qwen2.5-14B и miqu-1-70b, а также Llama 3 70B, Windows 11 и GPT-4."
    found = {m.text: m.family_id for m in find_model_names(text, tokenize(text), matcher)}
    llama3 = next(ref.id for ref, name in matcher.names.items() if ref.is_model and name == "Llama 3")
    qwen = next(ref.id for ref, name in matcher.names.items() if ref.is_model and name == "Qwen2.5")
    # Known names (Llama 3 70B, GPT-4) are the matcher's; «Windows 11» has no size and no known stem.
    assert found == {"Llama 3 400B": llama3, "Qwen2.5-14B": qwen, "miqu-1-70b": None}


def test_names_of_people_in_any_case_are_one_person():
    assert nominative(["Альтмана", "Альтман", "Альтманом"]) == "Альтман"
    assert nominative(["Сэма"]) == "Сэм"  # pymorphy gives the nominative the article never writes
    assert nominative(["Суцкевер", "Суцкевера"]) == "Суцкевер"  # and is not trusted to lengthen it
    assert same_name("Миру Мурати", "Мира Мурати") and not same_name("Мира Мурати", "Сэм Альтман")


def test_personnel_events_are_about_people_one_event_per_person(matcher):
    events = extract_events(
        "Перестановки в OpenAI",
        "Технический директор OpenAI Мира Мурати 25 сентября 2024 года объявила, что уходит из компании. "
        "Вслед за ней OpenAI покидает директор по исследованиям Боб Макгрю.",
        date(2024, 9, 26),
        matcher,
    )
    assert [e.kind for e in events] == [EventKind.personnel, EventKind.personnel]
    assert sorted(name for names in _people_of(events) for name in names) == ["Боб Макгрю", "Мира Мурати"]
    assert all(len(event.people) == 1 for event in events)
    assert {event.date.start for event in events} == {date(2024, 9, 25)}


def test_new_entities_are_stored_unreviewed_with_their_surface_forms(gazetteer_engine):
    article = ArticleCreate(
        title="Databricks купила стартап MosaicML",
        text="Компания Databricks 26 июня 2023 года объявила о покупке стартапа MosaicML за 1,3 млрд долларов. "
        "Генеральный директор Databricks Али Годси назвал сделку важной.",
        published=date(2023, 6, 27),
    )
    with Session(gazetteer_engine) as session:
        matcher = EntityMatcher.from_session(session)
    with session_scope(gazetteer_engine) as session:
        ingest_article(session, article, matcher)
    with Session(gazetteer_engine) as session:
        mosaic = session.exec(select(Organization).where(Organization.name == "MosaicML")).one()
        assert mosaic.reviewed is False
        assert "MosaicML" in session.exec(select(Alias.text).where(Alias.organization_id == mosaic.id)).all()
        assert session.exec(select(Organization).where(Organization.name == "Databricks")).one().reviewed is True
    # The next article finds the learned organization like any other.
    with Session(gazetteer_engine) as session:
        matcher = EntityMatcher.from_session(session)
    assert any(ref.is_organization for ref in matcher.refs_for("mosaicml"))


def test_a_size_variant_of_a_known_model_is_stored_in_its_family(gazetteer_engine):
    article = ArticleCreate(
        title="Meta выпустила Llama 3",
        text="Meta 18 апреля 2024 года выпустила модель Llama 3 400B для исследователей.",
        published=date(2024, 4, 19),
    )
    with Session(gazetteer_engine) as session:
        matcher = EntityMatcher.from_session(session)
    with session_scope(gazetteer_engine) as session:
        ingest_article(session, article, matcher)
    with Session(gazetteer_engine) as session:
        variant = session.exec(select(AIModel).where(AIModel.name == "Llama 3 400B")).one()
        family = session.get(AIModel, variant.family_id)
        assert (family.name, variant.reviewed, variant.developer_id) == ("Llama 3", False, family.developer_id)
        assert session.exec(select(Person)).all() == []


def test_he_who_moves_is_the_pronoun_not_the_boss_he_reports_to(matcher):
    events = extract_events(
        "Microsoft наняла Сулеймана",
        "Microsoft 19 марта 2024 года объявила, что к ней присоединяется Мустафа Сулейман. "
        "Он займёт пост главы Microsoft AI и будет подчиняться главе корпорации Сатье Наделле.",
        date(2024, 3, 20),
        matcher,
    )
    assert [sorted(names) for names in _people_of(events)] == [["Мустафа Сулейман"]]


def test_a_pronoun_may_point_to_a_person_named_earlier_in_the_sentence(matcher):
    events = extract_events(
        "Альтман возвращается",
        "21 ноября 2023 года OpenAI сообщила, что Сэм Альтман снова станет генеральным директором, "
        "а совет директоров, отстранивший его в прошлую пятницу, будет переформирован.",
        None,
        matcher,
    )
    assert sorted(zip((event.date.value for event in events), _people_of(events))) == [
        ("2023-11-17", ["Сэм Альтман"]),
        ("2023-11-21", ["Сэм Альтман"]),
    ]


def test_a_name_after_a_dash_is_the_one_who_moved_to_a_competitor(matcher):
    events = extract_events(
        "Уходы из OpenAI",
        "Весной компанию покинул Илья Суцкевер, а в августе к конкуренту, компании Anthropic, "
        "перешёл ещё один сооснователь — Джон Шульман.",
        date(2024, 9, 26),
        matcher,
    )
    moved = dict(zip((event.date.value for event in events), _people_of(events)))
    assert moved["2024-08"] == ["Джон Шульман"]


def test_a_successor_named_after_the_post_is_appointed(matcher):
    events = extract_events(
        "Смена в OpenAI",
        "14 мая 2024 года Сэм Альтман сообщил, что новым главным научным сотрудником OpenAI станет Якуб Пахоцкий.",
        date(2024, 5, 15),
        matcher,
    )
    assert _people_of(events) == [["Якуб Пахоцкий"]]
