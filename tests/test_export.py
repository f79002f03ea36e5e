"""CSV export: RFC 4180 quoting, formula neutralisation, unknown dates last."""

import csv
import io

from kb.export import CSV_HEADER, csv_cell, iter_csv
from kb.queries import TimelineFilter, iter_timeline


def test_cells_that_a_spreadsheet_would_run_are_neutralised():
    assert csv_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert [csv_cell(v) for v in ("+1", "-1", "@SUM", "\tx")] == ["'+1", "'-1", "'@SUM", "'\tx"]
    assert csv_cell("Утечка LLaMA") == "Утечка LLaMA" and csv_cell(None) == ""


def test_export_round_trips_through_a_csv_reader(session, cli, db_url, tmp_path):
    article = tmp_path / "quotes.md"
    article.write_text(
        "---\ntitle: Иск\npublished: 2023-12-28\nurl: https://example.org/a,b\n---\n"
        "The New York Times 27 декабря 2023 года подала в суд на OpenAI и Microsoft.\n",
        encoding="utf-8",
    )
    undated = tmp_path / "undated.txt"
    undated.write_text("OpenAI выпустила GPT-4o\nМодель стала доступна 13 мая.\n", encoding="utf-8")
    assert cli("--db", db_url, "seed", str(article), str(undated)).exit_code == 0
    out = tmp_path / "timeline.csv"
    assert cli("--db", db_url, "export", "--format", "csv", "-o", str(out)).exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith(",".join(CSV_HEADER).encode() + b"\r\n")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert [r["date_start"] for r in rows] == ["2023-12-27", ""]  # unknown year last
    lawsuit = rows[0]
    assert set(lawsuit["organizations"].split(";")) == {"Microsoft", "OpenAI", "The New York Times"}
    assert lawsuit["sources"] == "https://example.org/a,b"  # quoted, not split
    assert rows[1]["sources"] == "undated.txt"


def test_iter_csv_streams_in_chunks(session):
    chunks = list(iter_csv(iter_timeline(session, TimelineFilter())))
    assert chunks == [",".join(CSV_HEADER) + "\r\n"]
