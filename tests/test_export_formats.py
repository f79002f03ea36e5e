"""Export formats: TimelineJS, JSON Lines and iCalendar, from the library, the API and the CLI."""

import csv
import io
import itertools
import json
from datetime import date, datetime, timezone

import pytest

from kb.dates import Precision
from kb.export import EXPORT_FORMATS, TIMELINEJS_HEADER, timelinejs_row
from kb.export_ics import fold, ics_lines, ics_text
from kb.models import EventKind, Role
from kb.public import DatePublic, EventPublic, ModelRef, OrganizationRef, SourcePublic


def _event(event_id=1, title="Утечка LLaMA (Meta)", start=date(2023, 3, 3), end=None, precision=Precision.day, **extra):
    source = SourcePublic(article_id=1, title="Веса LLaMA утекли", url="https://example.org/llama?a=1&b=2",
                          published=date(2023, 3, 6), quote="3 марта на 4chan появился торрент-файл.", char_start=0, char_end=38)
    fields = dict(
        id=event_id, kind=EventKind.leak, title=title,
        date=DatePublic(start=start, end=end or start, precision=precision if start else None, modifier=None,
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
        _event(4, start=date(2023, 3, 1), end=date(2023, 5, 31), precision=Precision.season),
    ])
    assert [day[k] for k in ("Year", "Month", "Day", "End Year", "Display Date")] == ["2023", "3", "3", "", ""]
    assert [month[k] for k in ("Year", "Month", "Day", "End Year", "End Month")] == ["2023", "3", "", "", ""]
    assert [year[k] for k in ("Year", "Month", "Day", "End Year")] == ["2018", "", "", ""]
    assert [season[k] for k in ("Year", "Month", "End Year", "End Month")] == ["2023", "", "", ""]
    assert season["Display Date"] == "01.03.2023–31.05.2023"
    assert day["Headline"] == "Утечка LLaMA (Meta)" and day["Group"] == "Утечка"


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


def _unfolded(text: str) -> list[str]:
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def test_ics_is_an_rfc5545_calendar_of_dated_events():
    stamp = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    events = [_event(1), _event(2, start=date(2023, 3, 1), end=date(2023, 3, 31), precision=Precision.month), _event(3, start=None)]
    text = "".join(ics_lines(events, now=stamp))
    lines = _unfolded(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR" and "VERSION:2.0" in lines
    assert lines.count("BEGIN:VEVENT") == 2 == lines.count("END:VEVENT")  # the undated one is left out
    assert {"UID:kb-event-1@kb", "UID:kb-event-2@kb", "DTSTAMP:20250102T030405Z"} <= set(lines)
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
    text = "".join(ics_lines([_event(1, title="Очень длинный заголовок события " * 5)]))
    assert all(len(p.encode("utf-8")) <= 75 for p in text.split("\r\n"))


def test_ics_text_is_escaped():
    assert ics_text("a,b;c\\d\ne\r\nf\x07") == "a\\,b\\;c\\\\d\\ne\\nf"
    lines = _unfolded("".join(ics_lines([_event(1, title="Иск: NYT → OpenAI, Microsoft; итог\nBEGIN:VEVENT")])))
    assert "SUMMARY:Иск: NYT → OpenAI\\, Microsoft\\; итог\\nBEGIN:VEVENT" in lines and lines.count("BEGIN:VEVENT") == 1


@pytest.mark.parametrize("name", sorted(EXPORT_FORMATS))
def test_exports_stream_without_reading_every_event_first(name):
    endless = (_event(i) for i in itertools.count(1))
    first = next(EXPORT_FORMATS[name].write(endless))  # would never return if events were listed
    assert first


def test_api_exports_apply_the_filters(client):
    llama = [i["id"] for i in client.get("/timeline", params={"model": "LLaMA", "limit": 1000}).json()["items"]]
    assert llama
    jsonl = client.get("/timeline.json", params={"model": "LLaMA"})
    assert jsonl.headers["content-type"] == "application/x-ndjson"
    assert [json.loads(line)["id"] for line in jsonl.text.splitlines()] == llama
    timelinejs = client.get("/timeline.csv", params={"model": "LLaMA", "format": "timelinejs"})
    assert timelinejs.headers["content-type"].startswith("text/csv")
    assert [r["Headline"] for r in csv.DictReader(io.StringIO(timelinejs.text))]
    ics = client.get("/timeline.ics", params={"model": "LLaMA"})
    assert ics.headers["content-type"].startswith("text/calendar")
    dated = [i for i in client.get("/timeline", params={"model": "LLaMA"}).json()["items"] if i["date"]["start"]]
    assert _unfolded(ics.text).count("BEGIN:VEVENT") == len(dated)
    assert client.get("/timeline.csv", params={"format": "xlsx"}).status_code == 422


@pytest.mark.parametrize("name", ["jsonl", "timelinejs", "ics"])
def test_cli_writes_every_format(cli, seeded_url, tmp_path, name):
    out = tmp_path / f"timeline.{name}"
    assert cli("--db", seeded_url, "export", "--model", "LLaMA", "--format", name, "-o", str(out)).exit_code == 0
    expected = "".join(EXPORT_FORMATS[name].lines([]))[:15]
    assert out.read_text(encoding="utf-8").startswith(expected)
    assert "LLaMA" in out.read_text(encoding="utf-8")
