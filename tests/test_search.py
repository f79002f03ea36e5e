"""Full-text search: Russian lemmas and trigger words, an index that follows the events, safe queries."""

import pytest
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, select

from kb.db import session_scope
from kb.models import Article, Event, EventKind, EventSearch, Evidence
from kb.queries import QueryError, TimelineFilter, timeline
from kb.search import event_document, fts5_query, index_event, matching_event_ids, reindex_events, search_terms

TEXT = "Исходники новой модели утекли в сеть. Компания купила стартап за миллиард."


def _event(session: Session, title: str, quote: str, kind: EventKind = EventKind.other) -> int:
    article = session.exec(select(Article)).first()
    if article is None:
        article = Article(title="Заголовок", text=TEXT, content_hash="test")
        session.add(article)
        session.flush()
    event = Event(kind=kind, title=title)
    session.add(event)
    session.flush()
    start = TEXT.index(quote)
    session.add(Evidence(event_id=event.id, article_id=article.id, quote=quote, char_start=start, char_end=start + len(quote)))
    session.flush()
    return event.id


@pytest.fixture
def events(engine) -> dict[str, int]:
    """Two indexed events whose titles say nothing of what their quotes say."""
    with session_scope(engine) as session:
        ids = {
            "leak": _event(session, "Происшествие", "Исходники новой модели утекли в сеть."),
            "deal": _event(session, "Сделка", "Компания купила стартап за миллиард."),
        }
        for event_id in ids.values():
            index_event(session, event_id)
    return ids


def _found(session, q: str) -> set[int]:
    return {e.id for e in timeline(session, TimelineFilter(q=q), limit=100).items}


def test_the_document_holds_title_quotes_and_their_lemmas():
    document = event_document("Утечка LLaMA", ["Веса LLaMA утекли в Сеть."])
    assert document.startswith("Утечка LLaMA\nВеса LLaMA утекли в Сеть.\n")
    assert {"утечка", "утечь", "вес", "сеть", "llama"} <= set(document.split("\n")[-1].split())


def test_a_trigger_word_stands_for_every_trigger_of_its_kind():
    [leak] = search_terms("утечка")
    assert {"утечка", "утечь", "слить"} <= set(leak)
    assert search_terms("Meta утекли") == [["meta"], search_terms("утекли")[0]]
    assert search_terms("!!! ???") == []


def test_utechka_finds_a_quote_that_says_utekli(session, events):
    assert _found(session, "утечка") == {events["leak"]}
    assert _found(session, "УТЕЧКИ") == {events["leak"]}  # any inflection, any case
    assert _found(session, "покупка") == {events["deal"]}  # «купила» is a trigger of the same kind
    assert _found(session, "сделка") == {events["deal"]}  # the title too


def test_words_must_all_match(session, events):
    assert _found(session, "утечка модели") == {events["leak"]}
    assert _found(session, "утечка миллиард") == set()


def test_stop_words_are_not_searched_on_any_engine(session, events):
    # PostgreSQL's Russian configuration drops «во»; SQLite would want it in the quote.
    assert search_terms("утечка модели во") == search_terms("утечка модели")
    assert _found(session, "утечка модели во") == {events["leak"]}
    with pytest.raises(QueryError, match="common words") as refused:
        TimelineFilter(q="в и для")
    assert refused.value.param == "q"


def test_the_index_follows_edits_and_deletions(engine, session, events):
    with session_scope(engine) as writer:
        event = writer.get(Event, events["deal"])
        event.title = "Поглощение стартапа"
        index_event(writer, event.id)
    assert _found(session, "поглощение") == {events["deal"]}
    with session_scope(engine) as writer:
        writer.delete(writer.get(Event, events["deal"]))
    assert _found(session, "поглощение") == set()
    assert session.exec(select(EventSearch.event_id)).all() == [events["leak"]]


def test_reindex_rebuilds_a_lost_index(engine, session, events):
    with session_scope(engine) as writer:
        for row in writer.exec(select(EventSearch)):
            writer.delete(row)
    assert _found(session, "утечка") == set()
    with session_scope(engine) as writer:
        assert reindex_events(writer, only_missing=True) == 2
        assert reindex_events(writer, only_missing=True) == 0
        assert reindex_events(writer) == 2
    assert _found(session, "утечка") == {events["leak"]}


def test_seeding_leaves_every_event_indexed(seeded_url):
    from kb.db import get_engine

    with Session(get_engine(seeded_url)) as session:
        events = set(session.exec(select(Event.id)))
        assert events and set(session.exec(select(EventSearch.event_id))) == events
        leaks = {e.id for e in timeline(session, TimelineFilter(kinds=(EventKind.leak,)), limit=100).items}
        assert leaks and leaks <= {e.id for e in timeline(session, TimelineFilter(q="утечка"), limit=100).items}


def test_query_syntax_is_never_read_as_syntax():
    assert fts5_query(search_terms('NEAR(a b) OR "x" AND y*')) == '("near") AND ("a") AND ("b") AND ("or") AND ("x") AND ("and") AND ("y")'
    with pytest.raises(QueryError) as refused:
        TimelineFilter(q="*^()")
    assert refused.value.param == "q"


def test_postgresql_searches_through_the_russian_gin_index():
    sql = str(matching_event_ids("postgresql").compile(dialect=postgresql.dialect()))
    # The index of migration 0002 is on exactly this expression; the query text is a parameter.
    assert "WHERE to_tsvector('russian', event_search.document) @@ to_tsquery('russian', %(search)s" in sql
