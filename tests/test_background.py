"""Background told in passing is no news (failure class 3): a past fact recalled in an article
creates no event of its own; it adds a source, marked as background, to the event when some
article reports it. The sentences are ours, written for these tests.
"""

from datetime import date

from sqlmodel import Session, select

from kb.extract import extract_events
from kb.ingest import finish_events, ingest_article
from kb.models import ArticleCreate, Event, EventKind, Evidence

LAWSUIT_STORY = (
    "Илон Маск подал иск против OpenAI",
    "Илон Маск подал в суд на OpenAI, обвинив компанию в отказе от некоммерческой миссии. "
    "Маск покинул совет директоров OpenAI в 2018 году и с тех пор критикует её руководство.",
)


def test_a_recalled_departure_is_background(matcher):
    events = extract_events(*LAWSUIT_STORY, date(2024, 3, 1), matcher)
    by_kind = {e.kind: e for e in events}
    assert not by_kind[EventKind.lawsuit].background
    departure = by_kind[EventKind.personnel]
    assert departure.background and departure.confidence < 0.5


def test_a_reminder_is_background_whatever_its_date(matcher):
    events = extract_events(
        "Microsoft вложит ещё 10 млрд долларов в OpenAI",
        "Microsoft инвестирует в OpenAI 10 млрд долларов. Напомним, в 2019 году корпорация уже вложила в стартап 1 млрд долларов.",
        date(2023, 1, 23),
        matcher,
    )
    investments = sorted(events, key=lambda e: e.date.start)
    assert [e.background for e in investments] == [True, False]


def test_the_news_of_the_headline_is_never_background(matcher):
    events = extract_events(
        "Anthropic представила Claude 2", "Anthropic 11 июля 2023 года представила модель Claude 2.", date(2023, 9, 1), matcher
    )
    assert [e.background for e in events] == [False]


def _store(session, matcher, title, text, published):
    result = ingest_article(session, ArticleCreate(title=title, text=text, published=published), matcher)
    finish_events(session, set(result.created + result.merged))
    session.commit()


def test_a_recollection_is_a_background_source_of_the_reported_event(session, matcher):
    _store(session, matcher, *LAWSUIT_STORY, date(2024, 3, 1))
    _store(
        session,
        matcher,
        "Илон Маск ушёл из совета директоров OpenAI",
        "Илон Маск в 2018 году покинул совет директоров OpenAI, сославшись на конфликт интересов с Tesla.",
        None,
    )
    departures = session.exec(select(Event).where(Event.kind == EventKind.personnel)).all()
    assert len(departures) == 1
    sources = session.exec(select(Evidence).where(Evidence.event_id == departures[0].id)).all()
    assert sorted(s.background for s in sources) == [False, True]
