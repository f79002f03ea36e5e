"""Export formats: TimelineJS, JSON, JSON Lines and iCalendar, from the library, the API and the CLI,
read back by what their users read them with (csv, json, icalendar)."""

import csv
import io
import itertools
import json
from datetime import date, datetime, timezone

import icalendar
import pytest
from sqlmodel import Session, select

from kb.db import get_engine, session_scope
from kb.dates import Modifier, Precision
from kb.export import EXPORT_FORMATS
from kb.export_csv import TIMELINEJS_HEADER, timelinejs_row
from kb.export_format import EventsFormat
from kb.export_ics import REFRESH_INTERVAL, CalendarEntry, fold, ics_lines, ics_text
from kb.models import DatabaseState, Event, EventKind, Role
from kb.public import DatePublic, EventPublic, ModelRef, OrganizationRef, SourcePublic

EVENT_FORMATS = sorted(name for name, f in EXPORT_FORMATS.items() if isinstance(f, EventsFormat))


def _event(event_id=1, title="Утечка LLaMA (Meta)", start=date(2023, 3, 3), end=None, precision=Precision.day,
           modifier=None, **extra):
    source = SourcePublic(article_id=1, title="Веса LLaMA утекли", url="https://example.org/llama?a=1&b=2",
                          published=date(2023, 3, 6), quote="3 марта на 4chan появился торрент-файл.", char_start=0, char_end=38)
    fields = dict(
        id=event_id, kind=EventKind.leak, title=title,
        date=DatePublic(start=start, end=end or start, precision=precision if start else None, modifier=modifier,
                        text="3 марта", value=None, year_inferred=False, year_inference_reason=None),
        organizations=[OrganizationRef(id=1, name="Meta", role=Role.subject)],
        models=[ModelRef(id=2, name="LLaMA")], people=[], confidence=1.0, sources=[source],
    )
    return EventPublic(**(fields | extra))


def _timelinejs(events) -> list[dict]:
    text = "".join(EXPORT_FORMATS["timelinejs"].write(events))
    assert text.startswith(",".join(TIMELINEJS_HEADER) + "\r\n")
    return list(csv.DictReader(io.StringIO(text)))


def test_timelinejs_leaves_month_and_day_empty_below_the_precision():
    day, month, year, season = _timelinejs([
        _event(1),
        _event(2, start=date(2023, 3, 1), end=date(2023, 3, 31), precision=Precision.month),
        _event(3, start=date(2018, 1, 1), end=date(2018, 12, 31), precision=Precision.year),
        _event(4, start=date(2023, 6, 1), end=date(2023, 8, 31), precision=Precision.season),
    ])
    assert [day[k] for k in ("Year", "Month", "Day", "End Year")] == ["2023", "3", "3", ""]
    assert [month[k] for k in ("Year", "Month", "Day", "End Year", "End Month")] == ["2023", "3", "", "", ""]
    assert [year[k] for k in ("Year", "Month", "Day", "End Year")] == ["2018", "", "", ""]
    assert [season[k] for k in ("Year", "Month", "End Year", "End Month")] == ["2023", "", "", ""]
    assert day["Headline"] == "Утечка LLaMA (Meta)" and day["Group"] == "Утечка"


def test_timelinejs_display_date_is_spelled_as_the_page_spells_it():
    """TimelineJS shows Display Date instead of the numbers: the page's words, at the event's precision."""
    rows = _timelinejs([
        _event(1),
        _event(2, start=date(2023, 6, 1), end=date(2023, 8, 31), precision=Precision.season),
        _event(3, start=date(2023, 3, 1), end=date(2023, 3, 10), precision=Precision.month, modifier=Modifier.start),
        _event(4, start=date(2023, 3, 1), end=date(2023, 3, 31), precision=Precision.month),
    ])
    assert [row["Display Date"] for row in rows] == ["3 марта 2023", "лето 2023", "начало марта 2023", "март 2023"]


def test_timelinejs_gives_an_interval_its_end_and_leaves_undated_events_out():
    [row] = _timelinejs([_event(1, start=date(2023, 3, 1), end=date(2023, 3, 5)), _event(2, start=None)])
    assert [row[k] for k in ("Year", "Month", "Day", "End Year", "End Month", "End Day")] == ["2023", "3", "1", "2023", "3", "5"]


def test_timelinejs_text_is_escaped_html_with_links_only_to_the_web():
    hostile = _event(1, sources=[SourcePublic(article_id=1, title="<script>alert(1)</script>", url="javascript:alert(1)",
                                              published=None, quote="a < b & c", char_start=0, char_end=9)])
    text = timelinejs_row(hostile)[TIMELINEJS_HEADER.index("Text")]
    assert "<script>" not in text and "&lt;script&gt;" in text and "a &lt; b &amp; c" in text and "href" not in text
    linked = timelinejs_row(_event(1))[TIMELINEJS_HEADER.index("Text")]
    assert '<a href="https://example.org/llama?a=1&amp;b=2">Веса LLaMA утекли</a>' in linked


@pytest.mark.parametrize("name", ["csv", "timelinejs"])
def test_every_csv_cell_that_a_spreadsheet_would_run_is_neutralised(name):
    evil = _event(1, title="=HYPERLINK(\"http://evil\")", organizations=[OrganizationRef(id=1, name="@SUM(A1)", role=Role.subject)],
                  models=[ModelRef(id=2, name="-2+3")])
    rows = list(csv.reader(io.StringIO("".join(EXPORT_FORMATS[name].write([evil])))))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert "'=HYPERLINK(\"http://evil\")" in cells


def test_jsonl_is_one_event_per_line():
    lines = "".join(EXPORT_FORMATS["jsonl"].write([_event(1), _event(2, start=None)])).splitlines()
    assert [json.loads(line)["id"] for line in lines] == [1, 2]
    assert json.loads(lines[0])["sources"][0]["quote"] == "3 марта на 4chan появился торрент-файл."


def test_json_is_one_array_of_events():
    assert json.loads("".join(EXPORT_FORMATS["json"].write([]))) == []
    events = json.loads("".join(EXPORT_FORMATS["json"].write([_event(1), _event(2, start=None)])))
    assert [e["id"] for e in events] == [1, 2] and events[1]["date"]["start"] is None


def _unfolded(text: str) -> list[str]:
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def test_ics_is_an_rfc5545_calendar_of_dated_events():
    stamp = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    changed = datetime(2024, 6, 1, 10, 0, tzinfo=timezone.utc)
    entries = [CalendarEntry(_event(1), 3, datetime(2024, 5, 1, tzinfo=timezone.utc), changed),
               CalendarEntry(_event(2, start=date(2023, 3, 1), end=date(2023, 3, 31), precision=Precision.month)),
               CalendarEntry(_event(3, start=None))]
    text = "".join(ics_lines(entries, "0b6c1e9e-5d0f-4a57-9a43-0d3b1f0c2a11", now=stamp))
    lines = _unfolded(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR" and "VERSION:2.0" in lines
    assert f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH_INTERVAL}" in lines and f"X-PUBLISHED-TTL:{REFRESH_INTERVAL}" in lines
    assert lines.count("BEGIN:VEVENT") == 2 == lines.count("END:VEVENT")  # the undated one is left out
    assert {"UID:kb-event-1-0b6c1e9e-5d0f-4a57-9a43-0d3b1f0c2a11", "DTSTAMP:20250102T030405Z"} <= set(lines)
    assert {"SEQUENCE:3", "CREATED:20240501T000000Z", "LAST-MODIFIED:20240601T100000Z", "SEQUENCE:0"} <= set(lines)
    assert "DTSTART;VALUE=DATE:20230303" in lines and "DTEND;VALUE=DATE:20230304" in lines  # DTEND is exclusive
    assert "DTSTART;VALUE=DATE:20230301" in lines and "DTEND;VALUE=DATE:20230401" in lines
    assert "SUMMARY:Утечка LLaMA (Meta)" in lines and "URL:https://example.org/llama?a=1&b=2" in lines
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert "Веса LLaMA утекли" in description and "«3 марта на 4chan появился торрент-файл.»" in description


def test_ics_lines_are_folded_at_75_octets_without_splitting_characters():
    line = "DESCRIPTION:" + "Утечка весов модели LLaMA. " * 20
    folded = fold(line)
    physical = folded.split("\r\n")[:-1]
    assert len(physical) > 1 and all(len(p.encode("utf-8")) <= 75 for p in physical)
    assert all(p.startswith(" ") for p in physical[1:])
    assert folded.replace("\r\n ", "") == line + "\r\n"
    text = "".join(ics_lines([CalendarEntry(_event(1, title="Очень длинный заголовок события " * 5))], "uid"))
    assert all(len(p.encode("utf-8")) <= 75 for p in text.split("\r\n"))


def test_ics_text_is_escaped():
    assert ics_text("a,b;c\\d\ne\r\nf\x07") == "a\\,b\\;c\\\\d\\ne\\nf"
    lines = _unfolded("".join(ics_lines([CalendarEntry(_event(1, title="Иск: NYT → OpenAI, Microsoft; итог\nBEGIN:VEVENT"))], "uid")))
    assert "SUMMARY:Иск: NYT → OpenAI\\, Microsoft\\; итог\\nBEGIN:VEVENT" in lines and lines.count("BEGIN:VEVENT") == 1


@pytest.mark.parametrize("name", EVENT_FORMATS)
def test_exports_stream_without_reading_every_event_first(name):
    endless = (_event(i) for i in itertools.count(1))
    first = next(EXPORT_FORMATS[name].write(endless))  # would never return if events were listed
    assert first


def test_the_calendar_streams_without_reading_every_entry_first():
    endless = (CalendarEntry(_event(i)) for i in itertools.count(1))
    assert next(ics_lines(endless, "uid"))


def test_api_exports_apply_the_filters_and_the_limit(client):
    openai = [i["id"] for i in client.get("/timeline", params={"org": "OpenAI", "limit": 1000}).json()["items"]]
    assert len(openai) > 2
    jsonl = client.get("/timeline.jsonl", params={"org": "OpenAI"})
    assert jsonl.headers["content-type"] == "application/x-ndjson"
    assert [json.loads(line)["id"] for line in jsonl.text.splitlines()] == openai
    array = client.get("/timeline.json", params={"org": "OpenAI"})
    assert array.headers["content-type"] == "application/json" and [e["id"] for e in array.json()] == openai
    for path in ("/timeline.json", "/timeline.jsonl", "/timeline.csv", "/timeline.ics"):
        limited = client.get(path, params={"org": "OpenAI", "limit": 2})
        assert limited.status_code == 200, path
        if path == "/timeline.json":
            assert [e["id"] for e in limited.json()] == openai[:2]
        elif path == "/timeline.jsonl":
            assert [json.loads(line)["id"] for line in limited.text.splitlines()] == openai[:2]
        elif path == "/timeline.csv":
            assert [int(r["id"]) for r in csv.DictReader(io.StringIO(limited.text))] == openai[:2]
        else:
            assert _unfolded(limited.text).count("BEGIN:VEVENT") <= 2
        assert client.get(path, params={"limit": 0}).status_code == 422
    timelinejs = client.get("/timeline.csv", params={"org": "OpenAI", "format": "timelinejs"})
    assert timelinejs.headers["content-type"].startswith("text/csv")
    assert [r["Headline"] for r in csv.DictReader(io.StringIO(timelinejs.text))]
    ics = client.get("/timeline.ics", params={"org": "OpenAI"})
    assert ics.headers["content-type"].startswith("text/calendar")
    dated = [i for i in client.get("/timeline", params={"org": "OpenAI"}).json()["items"] if i["date"]["start"]]
    assert _unfolded(ics.text).count("BEGIN:VEVENT") == len(dated)
    assert client.get("/timeline.csv", params={"format": "xlsx"}).status_code == 422
    excel = client.get("/timeline.csv", params={"org": "OpenAI", "excel": 1})
    assert excel.content.startswith(b"\xef\xbb\xbfid;date_start;")


def test_icalendar_reads_the_feed_with_unique_stable_uids(client, seeded_url):
    first = icalendar.Calendar.from_ical(client.get("/timeline.ics").content)
    events = first.walk("VEVENT")
    assert events and first["REFRESH-INTERVAL"].dt.total_seconds() == 12 * 3600
    with Session(get_engine(seeded_url)) as session:
        uid = session.exec(select(DatabaseState.uid)).one()
    assert all(str(e["UID"]).endswith(f"-{uid}") for e in events)
    assert len({str(e["UID"]) for e in events}) == len(events)
    again = icalendar.Calendar.from_ical(client.get("/timeline.ics").content)
    assert [str(e["UID"]) for e in again.walk("VEVENT")] == [str(e["UID"]) for e in events]  # stable
    assert all(isinstance(e["SEQUENCE"], int) and e["LAST-MODIFIED"].dt <= e["DTSTAMP"].dt for e in events)


def test_an_edit_raises_the_entry_sequence_and_its_last_modified(writable_client, gazetteer_engine, tmp_path):
    article = {"title": "Выпуск GPT-4o", "text": "OpenAI 13 мая 2024 года выпустила GPT-4o.", "published": "2024-05-14"}
    event_id = writable_client.post("/articles", json=article).json()["events"][0]["id"]

    def entry():
        calendar = icalendar.Calendar.from_ical(writable_client.get("/timeline.ics").content)
        return next(e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith(f"kb-event-{event_id}-"))

    before = entry()
    with session_scope(gazetteer_engine) as session:
        # Seconds apart at least: LAST-MODIFIED is written to the second.
        session.get(Event, event_id).created_at = datetime(2024, 5, 14, tzinfo=timezone.utc)
    assert writable_client.patch(f"/events/{event_id}", json={"title": "Выпуск GPT-4o (исправлено)"}).status_code == 200
    after = entry()
    assert after["SEQUENCE"] > before["SEQUENCE"] and after["LAST-MODIFIED"].dt > datetime(2024, 5, 14, tzinfo=timezone.utc)
    assert str(after["SUMMARY"]) == "Выпуск GPT-4o (исправлено)" and str(after["UID"]) == str(before["UID"])


@pytest.mark.parametrize("name", ["json", "jsonl", "timelinejs", "ics"])
def test_cli_writes_every_format(cli, seeded_url, tmp_path, name):
    out = tmp_path / f"timeline.{name}"
    assert cli("export", "--model", "LLaMA", "--format", name, "-o", str(out), "--db", seeded_url).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "LLaMA" in text
    if name == "ics":
        assert icalendar.Calendar.from_ical(text).walk("VEVENT")
    elif name == "json":
        assert json.loads(text)
