"""CSV export: RFC 4180 quoting, formula neutralisation of every cell and item, Excel's style, unknown dates last."""

import csv
import io

from sqlmodel import Session

from kb.db import get_engine
from kb.export_csv import CSV_HEADER, EXCEL, csv_cell, csv_items, csv_lines
from kb.queries import TimelineFilter, iter_timeline

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def test_cells_that_a_spreadsheet_would_run_are_neutralised():
    assert csv_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert [csv_cell(v) for v in ("+1", "-1", "@SUM", "\tx")] == ["'+1", "'-1", "'@SUM", "'\tx"]
    assert csv_cell("Утечка LLaMA") == "Утечка LLaMA" and csv_cell(None) == ""


def test_every_item_of_a_list_cell_is_neutralised_and_kept_once():
    assert csv_items(["OpenAI", "=cmd|' /C calc'!A0", "OpenAI", "+7"]) == "OpenAI;'=cmd|' /C calc'!A0;'+7"
    # What follows a ';' inside a cell is a cell of its own where ';' separates cells.
    assert csv_cell("https://example.org/news;=1+2") == "https://example.org/news;'=1+2"
    assert csv_cell("Итог; -3%") == "Итог; -3%"  # a space before it: text, not a formula


def _seed_hostile(cli, db_url, tmp_path) -> None:
    article = tmp_path / "quotes.md"
    article.write_text(
        "---\ntitle: Иск\npublished: 2023-12-28\nurl: https://example.org/news;=1+2\n---\n"
        "The New York Times 27 декабря 2023 года подала в суд на OpenAI и Microsoft.\n",
        encoding="utf-8",
    )
    undated = tmp_path / "undated.txt"
    undated.write_text("OpenAI выпустила GPT-4o\nМодель стала доступна 13 мая.\n", encoding="utf-8")
    assert cli("--db", db_url, "seed", str(article), str(undated)).exit_code == 0


def _split_as_excel_does(line: str, delimiter: str) -> list[str]:
    """A line cut at ``delimiter`` the way a spreadsheet of that locale cuts it: outside quotes only."""
    return next(csv.reader([line], delimiter=delimiter))


def test_export_round_trips_and_no_cell_starts_a_formula_at_either_delimiter(cli, db_url, tmp_path):
    _seed_hostile(cli, db_url, tmp_path)
    out = tmp_path / "timeline.csv"
    assert cli("--db", db_url, "export", "--format", "csv", "-o", str(out)).exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith(",".join(CSV_HEADER).encode() + b"\r\n")
    text = raw.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["date_start"] for r in rows] == ["2023-12-27", ""]  # unknown year last
    lawsuit, undated = rows
    assert set(lawsuit["organizations"].split(";")) == {"Microsoft", "OpenAI", "The New York Times"}
    assert lawsuit["source_urls"] == "https://example.org/news;'=1+2" and lawsuit["source_files"] == "quotes.md"
    assert lawsuit["date_text"] == "27 декабря 2023 года" and lawsuit["year_inferred"] == "false"
    assert float(lawsuit["confidence"]) == 1.0 and lawsuit["quote"].startswith("The New York Times 27 декабря")
    assert undated["source_urls"] == "" and undated["source_files"] == "undated.txt"
    # Opened where ';' separates cells (Excel in Russian), the URL is cut, and its rest neutralised.
    assert '"https://example.org/news;\'=1+2"' in text or "https://example.org/news;'=1+2" in text
    for line in text.splitlines()[1:]:
        for delimiter in (",", ";"):
            assert not [cell for cell in _split_as_excel_does(line, delimiter) if cell.startswith(FORMULA_STARTS)], line


def test_excel_style_has_a_byte_order_mark_semicolons_and_decimal_commas(cli, db_url, tmp_path):
    _seed_hostile(cli, db_url, tmp_path)
    result = cli("--db", db_url, "export", "--format", "csv", "--excel")
    assert result.exit_code == 0
    text = result.stdout_bytes.decode("utf-8")
    assert text.startswith("\ufeff" + ";".join(CSV_HEADER) + "\r\n")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0]["source_urls"] == "https://example.org/news;'=1+2" and rows[0]["confidence"] == "1,0"
    assert cli("--db", db_url, "export", "--format", "ics", "--excel").exit_code == 2  # not a CSV format


def test_excel_bytes_decode_as_excel_reads_them():
    """Excel takes a file with a UTF-8 byte-order mark as UTF-8: without one it reads Cyrillic as cp1251."""
    text = "".join(csv_lines([], EXCEL))
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf") and "".join(csv_lines([])).isascii()


def test_export_limit_takes_the_first_events(cli, seeded_url):
    rows = list(csv.DictReader(io.StringIO(cli("--db", seeded_url, "export", "--limit", "3").stdout)))
    first = [e.id for e in _first(seeded_url, 3)]
    assert [int(r["id"]) for r in rows] == first


def _first(url, n):
    with Session(get_engine(url)) as session:
        return list(iter_timeline(session, TimelineFilter(), limit=n))


def test_an_empty_timeline_is_its_header(session):
    assert "".join(csv_lines(iter_timeline(session, TimelineFilter()))) == ",".join(CSV_HEADER) + "\r\n"
