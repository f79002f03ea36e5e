"""Timeline pages read in one query per page (kb.event_lists, kb.selection): the same events, lists,
CSV and pages as event-by-event reading gives, whichever way a page query starts."""

import json
from datetime import date

import pytest
from sqlmodel import Session, col, select

import kb.selection
from kb.db import get_engine, session_scope
from kb.export import EXPORT_FORMATS
from kb.export_csv import EXCEL, csv_lines, timeline_csv
from kb.models import (
    AIModel, Article, Event, EventKind, EventModel, EventOrganization, EventPerson, Evidence, Organization, Person, Role,
)
from kb.queries import TimelineFilter, events_public, iter_timeline, iter_timeline_rows, timeline, timeline_documents
from kb.dates import Precision


def _by_events_public(session: Session, filters: TimelineFilter):
    """The timeline's events as ``kb.records.events_public`` builds them, one query per list."""
    order = [event.id for event in iter_timeline(session, filters)]
    rows = session.exec(select(*Event.__table__.columns).where(col(Event.id).in_(order))).all()
    built = {event.id: event for event in events_public(session, rows)}
    return [built[event_id] for event_id in order]


def _add_awkward_events(session: Session) -> None:
    """Events with what a list can hold: an organization in two roles, a model and its variant, a person,
    sources by file name, by an empty URL and twice by one URL, an undated event with nothing linked."""
    org = {o.name: o.id for o in session.exec(select(Organization))}
    model = {m.name: m.id for m in session.exec(select(AIModel))}
    person = Person(name="Янн Лекун")
    session.add(person)
    articles = [
        Article(title="По файлу", file_name="leak.txt", content_hash="a", text="x" * 80, published=date(2023, 3, 6)),
        Article(title="Пустой адрес", url="", content_hash="b", text="x" * 80),
        Article(title="=Формула", url="https://example.org/a?b=1", content_hash="c", text="x" * 80, published=date(2023, 3, 4)),
    ]
    leak = Event(kind=EventKind.leak, title="=HYPERLINK(\"x\") LLaMA", date_start=date(2023, 3, 3), date_end=date(2023, 3, 3),
                 precision=Precision.day, date_value="XXXX-03-03", date_text="3 марта", year_inferred=True,
                 year_inference_reason="год статьи", confidence=0.7200000000000001)
    undated = Event(kind=EventKind.other, title="Событие", confidence=0.5)
    # What JSON and CSV must escape: a tab, a line break, quotes, a backslash, a character
    # beyond the Basic Multilingual Plane, a line separator.
    escaped = Event(kind=EventKind.release, title='Строка\t«с» "кавычками",\n\\ и 😀\u2028конец', date_start=date(2024, 5, 1),
                    date_end=date(2024, 5, 31), precision=Precision.month, date_value="2024-05", date_text="в мае", confidence=0.1)
    session.add_all([*articles, leak, undated, escaped])
    session.flush()
    session.add_all([
        EventOrganization(event_id=leak.id, organization_id=org["Meta"], role=Role.subject),
        EventOrganization(event_id=leak.id, organization_id=org["Meta"], role=Role.developer),
        EventOrganization(event_id=leak.id, organization_id=org["4chan"], role=Role.platform),
        EventModel(event_id=leak.id, model_id=model["LLaMA"]),
        EventModel(event_id=leak.id, model_id=model["LLaMA-7B"]),
        EventPerson(event_id=leak.id, person_id=person.id, role=Role.subject),
        *(Evidence(event_id=leak.id, article_id=a.id, quote="x" * 10, char_start=start, char_end=start + 10)
          for a in articles for start in ((0, 20) if a.content_hash == "c" else (0,))),
    ])


@pytest.fixture
def awkward_engine(gazetteer_engine):
    with session_scope(gazetteer_engine) as session:
        _add_awkward_events(session)
    return gazetteer_engine


FILTERS = [
    TimelineFilter(),
    TimelineFilter(models=("LLaMA",), newest_first=True),
    TimelineFilter(organizations=("Meta", "OpenAI"), date_from=date(2023, 1, 1)),
    TimelineFilter(q="утечка"),
]


@pytest.mark.parametrize("filters", FILTERS, ids=["all", "model", "orgs-from", "search"])
def test_events_read_as_documents_are_those_events_public_builds(seeded_url, filters):
    with Session(get_engine(seeded_url)) as session:
        events = list(iter_timeline(session, filters, page_size=7))
        assert events and events == _by_events_public(session, filters)


@pytest.mark.parametrize("filters", FILTERS, ids=["all", "model", "orgs-from", "search"])
def test_pages_read_in_batches_give_every_event_once_in_order(seeded_url, filters):
    columns = select(Event.id, Event.date_start)
    with Session(get_engine(seeded_url)) as session:
        expected = [event.id for event in _by_events_public(session, filters)]
        for page_size, batch_size in ((7, 3), (5, 5), (4, 10), (1000, 2)):
            batches = list(iter_timeline_rows(session, filters, columns, page_size, batch_size))
            assert all(0 < len(batch) <= min(batch_size, page_size) for batch in batches)
            assert [row.id for batch in batches for row in batch] == expected, (page_size, batch_size)


@pytest.mark.parametrize("filters", FILTERS, ids=["all", "model", "orgs-from", "search"])
def test_the_timeline_csv_is_the_csv_of_those_events(seeded_url, filters):
    with Session(get_engine(seeded_url)) as session:
        events = _by_events_public(session, filters)
        expected = "".join(csv_lines(events))
        assert "".join(timeline_csv(session, filters)) == expected
        assert "".join(EXPORT_FORMATS["csv"].write_timeline(session, filters)) == expected
        assert "".join(timeline_csv(session, filters, EXCEL)) == "".join(csv_lines(events, EXCEL))
        first = "".join(csv_lines(events[:3]))
        assert "".join(timeline_csv(session, filters, limit=3)) == first


def test_awkward_lists_read_the_same_both_ways(awkward_engine):
    with Session(awkward_engine) as session:
        events = list(iter_timeline(session, TimelineFilter()))
        assert events == _by_events_public(session, TimelineFilter())
        leak = next(e for e in events if e.kind is EventKind.leak)
        assert leak.confidence == 0.7200000000000001 and leak.date.year_inferred
        assert [(o.name, o.role) for o in leak.organizations] == [("Meta", Role.developer), ("4chan", Role.platform), ("Meta", Role.subject)]
        assert [m.name for m in leak.models] == ["LLaMA", "LLaMA-7B"] and [p.name for p in leak.people] == ["Янн Лекун"]
        assert len(leak.sources) == 4 and {s.url for s in leak.sources} == {None, "https://example.org/a?b=1"}
        assert {s.file_name for s in leak.sources} == {"leak.txt", None}
        text = "".join(timeline_csv(session, TimelineFilter()))
        assert text == "".join(csv_lines(events))
        row = text.splitlines()[1]
        assert row.startswith(
            f'{leak.id},2023-03-03,2023-03-03,day,3 марта,true,leak,"\'=HYPERLINK(""x"") LLaMA",0.7200000000000001,'
            "Meta;4chan,LLaMA;LLaMA-7B,Янн Лекун,xxxxxxxxxx,https://example.org/a?b=1,leak.txt"
        )
        assert text.splitlines()[-1].endswith(",,,,false,other,Событие,0.5,,,,,,")  # unknown date last, nothing linked


def _canonical(value) -> str:
    # Text, not objects: 0 == False and 1 == 1.0 in Python, not in JSON.
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@pytest.mark.parametrize("filters", FILTERS, ids=["all", "model", "orgs-from", "search"])
def test_the_json_the_database_writes_is_the_json_of_those_events(seeded_url, filters):
    with Session(get_engine(seeded_url)) as session:
        page = timeline_documents(session, filters, limit=1000, facets=["kind"])
        written = json.loads(page.json())
        expected = [event.model_dump(mode="json") for event in _by_events_public(session, filters)]
        assert _canonical(written["items"]) == _canonical(expected)
        assert written["next"] is None and written["facets"]["kind"]


def test_awkward_values_are_written_as_json_would_have_them(awkward_engine):
    with Session(awkward_engine) as session:
        written = json.loads(timeline_documents(session, TimelineFilter(), limit=1000).json())
        expected = [event.model_dump(mode="json") for event in _by_events_public(session, TimelineFilter())]
    assert _canonical(written) == _canonical({"items": expected, "next": None})
    leak = next(item for item in written["items"] if item["kind"] == "leak")
    assert leak["confidence"] == 0.7200000000000001 and leak["date"]["year_inferred"] is True
    assert {item["confidence"] for item in written["items"]} >= {0.5}


@pytest.mark.parametrize("plan", ["database", "set first", "walk"])
def test_every_way_a_page_query_starts_gives_the_same_pages(seeded_url, monkeypatch, plan):
    with Session(get_engine(seeded_url)) as session:
        expected = {f: _pages(session, f) for f in PLAN_FILTERS}
    assert all(pages[0] for pages in expected.values())
    if plan == "database":  # as on PostgreSQL
        monkeypatch.setattr("kb.queries.tested_sets", lambda session, selection, limit: ())
    else:  # on SQLite: the smallest set first, or the chronology walked with every set tested
        monkeypatch.setattr(kb.selection, "walk_threshold", lambda events, limit: 10**9 if plan == "set first" else 0)
    with Session(get_engine(seeded_url)) as session:
        for filters in PLAN_FILTERS:
            assert _pages(session, filters) == expected[filters], filters


PLAN_FILTERS = [
    TimelineFilter(models=("LLaMA",)),
    TimelineFilter(organizations=("OpenAI",), kinds=(EventKind.investment, EventKind.release), newest_first=True),
    TimelineFilter(organizations=("Microsoft",), models=("Llama 2",), date_from=date(2023, 1, 1), date_to=date(2024, 12, 31)),
    TimelineFilter(q="выпустила", min_confidence=0.5, newest_first=True),
    TimelineFilter(q="OpenAI", organizations=("Microsoft",)),
]


def _pages(session: Session, filters: TimelineFilter) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        page = timeline(session, filters, limit=2, cursor=cursor)
        pages.append([event.id for event in page.items])
        if page.next is None:
            return pages
        cursor = page.next
