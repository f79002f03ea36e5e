"""Names no gazetteer knows (failure class 4): learned from how the article names them, and put in
the nominative. The sentences are ours, written for these tests; the names are made up where a
real one could be in the gazetteer.
"""

from datetime import date

import pytest

from kb.extract import extract_events
from kb.extract.document import Document
from kb.extract.pipeline import STEPS
from kb.lexicon import load_lexicon
from kb.models import EventKind, OrganizationKind, Role

PUBLISHED = date(2025, 3, 12)


def _learned(event) -> dict[str, str]:
    return {e.name: e.ref.type for e in event.new_entities}


def _only(matcher, title, text, kind):
    events = [e for e in extract_events(title, text, PUBLISHED, matcher) if e.kind is kind and not e.background]
    assert len(events) == 1, events
    return events[0]


def test_a_latin_company_the_tagger_finds_is_learned(matcher):
    event = _only(
        matcher,
        "Стартап привлёк деньги",
        "Калифорнийский стартап Quillfire Robotics привлёк 40 млн долларов от фонда Northwind Ventures.",
        EventKind.investment,
    )
    assert _learned(event) == {"Quillfire Robotics": "organization", "Northwind Ventures": "organization"}
    names = {e.ref.id: e.name for e in event.new_entities}
    roles = {names[org_id]: role for org_id, role in event.organizations if org_id in names}
    assert roles == {"Quillfire Robotics": Role.target, "Northwind Ventures": Role.investor}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Пекинский интернет-суд в понедельник признал за автором права на изображение.", "Пекинский интернет-суд"),
        ("Таганский районный суд Москвы в понедельник оштрафовал компанию.", "Таганский районный суд Москвы"),
        ("Представители Департамента цифрового развития Казани подписали соглашение с Sber.", "Департамент цифрового развития Казани"),
    ],
)
def test_institutions_are_named_in_the_nominative(matcher, text, name):
    doc = Document("Новость", text, PUBLISHED, matcher.for_article(), load_lexicon())
    for step in STEPS:
        step(doc)
    learned = {e.name: doc.matcher.org_kinds[e.ref.id] for e in doc.matcher.new_entities.values() if e.ref.is_organization}
    assert learned.get(name) in (OrganizationKind.regulator, OrganizationKind.company)


def test_a_quoted_product_after_a_product_noun_is_a_model(matcher):
    event = _only(
        matcher,
        "Банк выпустил ассистента",
        "Российский банк «Северный берег» выпустил нейросеть «Шептун» для ответов клиентам.",
        EventKind.release,
    )
    assert _learned(event) == {"Шептун": "model", "Северный берег": "organization"}


def test_a_product_named_after_a_product_noun_is_a_model(matcher):
    event = _only(
        matcher,
        "Anthropic выпустила инструмент",
        "Anthropic выпустила инструмент Claude Canvas для совместной работы с кодом.",
        EventKind.release,
    )
    assert _learned(event) == {"Claude Canvas": "model"}


def test_people_are_named_in_the_nominative_from_the_tagged_case(matcher):
    event = _only(
        matcher,
        "Назначение в Microsoft",
        "Microsoft назначила Мустафу Сулеймана главой нового подразделения.",
        EventKind.personnel,
    )
    assert _learned(event) == {"Мустафа Сулейман": "person"}


def test_a_license_is_no_party(matcher):
    events = extract_events(
        "Новая открытая модель",
        "Стартап Quillfire Robotics выложил модель Quill-7B под лицензией Apache.",
        PUBLISHED,
        matcher,
    )
    assert {e.name for event in events for e in event.new_entities} >= {"Quillfire Robotics", "Quill-7B"}
    assert not any("Apache" in e.name for event in events for e in event.new_entities)
