"""Full-text search over events: their titles and evidence quotes, by Russian lemma.

An event's searchable text (``event_search.document``) is its title and its quotes, then the
lemmas of their words, so that a query lemmatised the same way finds every inflected form
(«утекли» is indexed as «утечь» too). A query word that is an event trigger also finds the
other triggers of its kind: «утечка» finds «утекли», «слили». Query words are AND-ed, the
forms of one word OR-ed.

SQLite indexes the document with FTS5 (``event_fts``, kept in step with ``event_search`` by
triggers of migration 0002); PostgreSQL with a GIN index over ``to_tsvector('russian',
document)``. Query terms are lemma keys, letters and digits only, so nothing in a query can
be read as FTS5 or tsquery syntax, and they reach the database as bound parameters.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib.resources import files

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from kb.lexicon import load_lexicon
from kb.models import Event, EventKind, EventSearch, Evidence
from kb.names import alias_key, tokenize

MAX_QUERY_WORDS = 16  # more words than this is a pasted text, not a question
_BATCH = 500


def event_document(title: str, quotes: Iterable[str]) -> str:
    """The text an event is found by: its title and quotes, then the lemmas of their words."""
    texts = list(dict.fromkeys([title, *quotes]))
    lemmas = dict.fromkeys(token.lemma for text in texts for token in tokenize(text) if token.lemma)
    return "\n".join([*texts, " ".join(lemmas)])


def index_event(session: Session, event_id: int) -> None:
    """Bring an event's search document up to date with its title and evidence (in ``session``)."""
    title = session.exec(select(Event.title).where(Event.id == event_id)).one_or_none()
    if title is None:  # deleted: its document went with it (ON DELETE CASCADE)
        return
    # Many reports of one event often quote the same sentence: each distinct quote once, in
    # the order first seen, and no write (and no FTS churn) when nothing changed.
    quotes = session.exec(
        select(Evidence.quote).where(Evidence.event_id == event_id).group_by(Evidence.quote).order_by(sa.func.min(Evidence.id))
    ).all()
    document = event_document(title, quotes)
    if session.exec(select(EventSearch.document).where(EventSearch.event_id == event_id)).one_or_none() != document:
        _upsert(session, [{"event_id": event_id, "document": document}])


def reindex_events(session: Session, only_missing: bool = False) -> int:
    """Rebuild the search documents of all events (or of those without one), page by page.

    Returns the number of events indexed. Memory stays flat: one page of events at a time.
    """
    indexed, last_id = 0, 0
    while True:
        page = select(Event.id, Event.title).where(col(Event.id) > last_id).order_by(col(Event.id)).limit(_BATCH)
        if only_missing:
            page = page.where(col(Event.id).not_in(select(EventSearch.event_id)))
        events = session.exec(page).all()
        if not events:
            return indexed
        ids = [event_id for event_id, _ in events]
        quotes: dict[int, list[str]] = {event_id: [] for event_id in ids}
        for event_id, quote in session.exec(
            select(Evidence.event_id, Evidence.quote).where(col(Evidence.event_id).in_(ids)).order_by(col(Evidence.id))
        ):
            quotes[event_id].append(quote)
        _upsert(session, [{"event_id": i, "document": event_document(title, quotes[i])} for i, title in events])
        indexed += len(events)
        last_id = ids[-1]


def _upsert(session: Session, rows: list[dict]) -> None:
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        for row in rows:
            session.merge(EventSearch(**row))
        session.flush()
        return
    insert = (sqlite.insert if dialect == "sqlite" else postgresql.insert)(EventSearch).values(rows)
    session.exec(insert.on_conflict_do_update(index_elements=["event_id"], set_={"document": insert.excluded.document}))


# --- the query side ---------------------------------------------------------------------------


def search_terms(q: str) -> list[list[str]]:
    """A query as groups of terms: every group must match, any term of a group will do.

    A group is a word's lemma and folded form, plus the trigger words of its event kind when
    the word is a trigger («утечка» -> утечка, утечь, слить, ...). Stop words («в», «для»)
    are left out, as PostgreSQL's Russian configuration leaves them out of its index, so that
    every engine finds the same events. An empty list when the query has no other words.

    >>> search_terms("конференция для разработчиков")
    [['конференция'], ['разработчик', 'разработчиков']]
    """
    by_kind = _trigger_words_by_kind()
    words = load_lexicon().words
    stop_words = _stop_words()
    groups: list[list[str]] = []
    for token in tokenize(q):
        terms = dict.fromkeys(t for t in (token.lemma, token.key) if t)
        if not terms or token.key in stop_words:
            continue
        kind = words.get(token.lemma)
        if kind is not None:
            terms.update(dict.fromkeys(by_kind[kind]))
        group = list(terms)
        if group not in groups:
            groups.append(group)
    return groups


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    text = files("kb").joinpath("data/russian_stopwords.txt").read_text(encoding="utf-8")
    return frozenset(alias_key(line) for line in text.splitlines() if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def _trigger_words_by_kind() -> dict[EventKind, list[str]]:
    by_kind: dict[EventKind, list[str]] = {}
    for word, kind in load_lexicon().words.items():
        by_kind.setdefault(kind, []).append(word)
    return by_kind


def fts5_query(groups: list[list[str]]) -> str:
    """The FTS5 MATCH expression of term groups: ``("a" OR "b") AND ("c")``."""
    # Terms are letters and digits only (lemma keys); quoting makes even AND/NEAR plain words.
    return " AND ".join("(" + " OR ".join(f'"{term}"' for term in group) + ")" for group in groups)


def tsquery(groups: list[list[str]]) -> str:
    """The PostgreSQL ``to_tsquery`` text of term groups: ``('a' | 'b') & ('c')``."""
    return " & ".join("(" + " | ".join(f"'{term}'" for term in group) + ")" for group in groups)


@lru_cache(maxsize=4)
def matching_event_ids(dialect: str) -> sa.Select:
    """A subquery of the ids of events whose document matches the parameter ``search``.

    Its value is ``search_expression(dialect, groups)``; the statement is built once.
    """
    search = sa.bindparam("search", type_=sa.Text)
    if dialect == "sqlite":
        fts = sa.table("event_fts", sa.column("rowid"), sa.column("event_fts"))
        return sa.select(fts.c.rowid).where(fts.c.event_fts.op("MATCH")(search))
    if dialect == "postgresql":
        # The same expression as the GIN index (migration 0002), with the configuration as a
        # literal, so that the planner can use the index.
        russian = sa.literal_column("'russian'")
        document = sa.func.to_tsvector(russian, col(EventSearch.document))
        return sa.select(EventSearch.event_id).where(document.bool_op("@@")(sa.func.to_tsquery(russian, search)))
    raise NotImplementedError(f"full-text search is not available on {dialect}")


def search_expression(dialect: str, groups: list[list[str]]) -> str:
    """The value of ``matching_event_ids``'s ``search`` for term groups (see ``search_terms``)."""
    return fts5_query(groups) if dialect == "sqlite" else tsquery(groups)
