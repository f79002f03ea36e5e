"""Each event takes the date of its own clause, and an event told without one the story's day or
the publication date, saying which (failure classes 1 and 2 of unseen news).

The sentences are ours, written for these tests.
"""

from datetime import date

import pytest

from kb.extract import extract_events
from kb.models import DateSource, EventKind

PUBLISHED = date(2025, 7, 15)


def _only(matcher, title, text, kind, published=PUBLISHED):
    events = [e for e in extract_events(title, text, published, matcher) if e.kind is kind]
    assert len(events) == 1, events
    return events[0]


@pytest.mark.parametrize(
    "text",
    [
        # a participle clause: the founding, not the round
        "Стартап Anthropic, основанный в 2021 году выходцами из OpenAI, привлёк 4 млрд долларов от Amazon.",
        # a relative clause
        "Anthropic, о сделке которой с Google стало известно в сентябре, привлекла 4 млрд долларов от Amazon.",
        # someone's earlier job
        "Amazon, где Энди Джасси работал с 1997 года, вложил в Anthropic ещё 4 млрд долларов.",
    ],
)
def test_a_date_in_a_subordinate_clause_does_not_date_the_event(matcher, text):
    event = _only(matcher, "Amazon вложил в Anthropic ещё 4 млрд долларов", text, EventKind.investment)
    assert (event.date.start, event.date_source) == (PUBLISHED, DateSource.publication)
    assert event.confidence < 1


def test_the_events_own_date_wins_over_another_clauses(matcher):
    event = _only(
        matcher,
        "Раунд Mistral AI",
        "Mistral AI, которая в феврале 2024 года заключила соглашение с Microsoft, 11 июня привлекла 600 млн евро.",
        EventKind.investment,
        published=date(2025, 6, 12),
    )
    assert (event.date.start, event.date_source, event.confidence) == (date(2025, 6, 11), DateSource.text, 1.0)


def test_a_reported_clause_takes_the_date_of_its_report(matcher):
    event = _only(
        matcher,
        "Новая модель Mistral",
        "Вечером 9 июля стало известно, что Mistral AI выпустила модель Devstral.",
        EventKind.release,
    )
    assert (event.date.start, event.date_source) == (date(2025, 7, 9), DateSource.text)


def test_news_told_without_a_date_happened_at_publication(matcher):
    event = _only(
        matcher,
        "Nvidia вложит деньги в Mistral AI",
        "Nvidia инвестировала в Mistral AI. Сумму сделки компании не раскрывают.",
        EventKind.investment,
    )
    assert (event.date.start, event.date.precision, event.date_source) == (PUBLISHED, "day", DateSource.publication)
    assert event.confidence < 1


def test_an_undated_event_of_the_story_takes_the_leads_day(matcher):
    # The article came out the next day: the lead's date is the story's.
    events = extract_events(
        "Перестановки в OpenAI",
        "OpenAI 14 июля 2025 года назначила Фиджи Симо главой прикладного направления. "
        "Вслед за этим компанию покинул Джон Шульман.",
        PUBLISHED,
        matcher,
    )
    dates = {e.date.start for e in events if e.kind is EventKind.personnel}
    assert dates == {date(2025, 7, 14)}


def test_the_same_day_is_the_day_named_before(matcher):
    events = extract_events(
        "Meta выпустила Llama 2",
        "Meta и Microsoft 18 июля 2023 года объявили о партнёрстве, а Meta в тот же день выпустила Llama 2.",
        PUBLISHED,
        matcher,
    )
    release = next(e for e in events if e.kind is EventKind.release)
    assert (release.date.start, release.date_source) == (date(2023, 7, 18), DateSource.story)
