"""Kinds and roles (failure class 5): what a trigger tells depends on its arguments, and who does
what comes from the syntax (subject, object, the «против», «в», «у», «от» argument), not from
word order. The sentences are ours, written for these tests.
"""

from datetime import date

from kb.extract import extract_events
from kb.models import EventKind, Role

PUBLISHED = date(2024, 11, 20)


def _events(matcher, title, text):
    return [e for e in extract_events(title, text, PUBLISHED, matcher) if not e.background]


def _roles(matcher, event) -> dict[str, Role]:
    names = {**{ref.id: name for ref, name in matcher.names.items() if ref.is_organization}, **{e.ref.id: e.name for e in event.new_entities}}
    return {names[org_id]: role for org_id, role in event.organizations}


def _people(matcher, event) -> list[str]:
    names = {**{ref.id: name for ref, name in matcher.names.items() if ref.is_person}, **{e.ref.id: e.name for e in event.new_entities}}
    return sorted(names[p] for p in event.people)


def test_a_warning_or_a_statement_is_no_release(matcher):
    assert _events(matcher, "Предупреждение регулятора", "Роскомнадзор выпустил предупреждение о рисках ChatGPT для детей.") == []
    assert _events(matcher, "Заявление OpenAI", "OpenAI опубликовала заявление о работе над безопасностью моделей.") == []


def test_a_demand_to_ban_is_no_ban(matcher):
    assert _events(matcher, "Требование", "Депутаты требуют запретить ChatGPT в российских школах.") == []
    assert _events(matcher, "Призыв", "Эксперты призвали запретить обучение моделей на чужих текстах без согласия авторов.") == []


def test_a_buyer_is_the_subject_whatever_the_word_order(matcher):
    (event,) = _events(matcher, "Сделка", "Стартап Run:ai купила компания Nvidia.")
    assert event.kind is EventKind.acquisition
    assert _roles(matcher, event) == {"NVIDIA": Role.subject, "Run:ai": Role.target}


def test_a_person_or_a_guild_sues(matcher):
    (by_writer,) = _events(matcher, "Иск писателя", "Писатель Джон Гришэм подал в суд на OpenAI.")
    assert _people(matcher, by_writer) == ["Джон Гришэм"]
    assert _roles(matcher, by_writer) == {"OpenAI": Role.target}
    (by_guild,) = _events(matcher, "Иск гильдии", "Гильдия авторов Authors Guild подала иск против OpenAI и Microsoft.")
    roles = _roles(matcher, by_guild)
    assert roles["OpenAI"] is Role.target and roles["Microsoft"] is Role.target
    assert Role.subject in roles.values()


def test_no_organization_sues_itself(matcher):
    events = _events(
        matcher,
        "Суд",
        "The New York Times подала иск против OpenAI, а OpenAI ответила, что обучение на открытых текстах законно.",
    )
    (lawsuit,) = [e for e in events if e.kind is EventKind.lawsuit]
    assert _roles(matcher, lawsuit) == {"The New York Times": Role.subject, "OpenAI": Role.target}


def test_a_person_named_for_the_time_is_no_participant(matcher):
    (event,) = _events(
        matcher,
        "Новый член совета OpenAI",
        "Ларри Саммерс, министр финансов при Билле Клинтоне, вошёл в совет директоров OpenAI.",
    )
    assert event.kind is EventKind.personnel
    assert _people(matcher, event) == ["Ларри Саммерс"]


def test_publishing_in_a_leak_story_is_the_leak(matcher):
    events = _events(
        matcher,
        "Утечка весов",
        "Веса модели Llama 3 утекли в сеть. Анонимный пользователь опубликовал их на Hugging Face 18 ноября.",
    )
    assert [e.kind for e in events] == [EventKind.leak]
    assert _roles(matcher, events[0])["Hugging Face"] is Role.platform
