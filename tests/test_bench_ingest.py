"""The ingestion benchmark (bench/ingest.py) and the parallel seeding it measures (kb.parallel)."""

import importlib.util
import re
import shutil
import subprocess
import sys

import sqlalchemy as sa

from kb.articles import content_hash, find_article_files, read_article
from kb.db import get_engine
from kb.extract import extract_events
from kb.ingest import seed_paths
from kb.parallel import prepared_articles
from tests.conftest import REPO, SEED_ARTICLES

BENCH = REPO / "bench" / "ingest.py"


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_ingest", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _rows(engine) -> dict[str, list[str]]:
    """Every row of every table, timestamps aside (the two runs happen at different times)."""
    rows = {}
    with engine.connect() as connection:
        for table in sa.inspect(connection).get_table_names():
            result = connection.exec_driver_sql(f'SELECT * FROM "{table}"').mappings().all()
            rows[table] = sorted(repr(sorted((k, v) for k, v in r.items() if not k.endswith("_at"))) for r in result)
    return rows


def test_copies_report_the_same_events_as_their_originals(matcher, tmp_path):
    bench = _bench_module()
    originals = list(find_article_files([SEED_ARTICLES]))
    copies = bench.write_corpus(tmp_path, 2 * len(originals))
    bench.check_copies(copies)
    assert len({read_article(p).text for p in copies}) == len(copies)  # every content hash differs
    # Every third article of the second round of copies (numbered «№ 00046» and up): each
    # format, a few seconds.
    for original, copy in list(zip(originals, copies[len(originals) :]))[::3]:
        a, b = read_article(original), read_article(copy)
        assert extract_events(b.title, b.text, b.published, matcher) == extract_events(a.title, a.text, a.published, matcher), copy.name


def test_benchmark_prints_rates_memory_and_equal_rows(tmp_path):
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--articles", "8", "--workers", "2"],
        capture_output=True, text=True, timeout=180, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"^Corpus: 8 articles \(\d+ bundled ones", out, re.M), out
    number = r"\s+\d+(\.\d+)?"
    for run in (r"1 process \(seed_paths\)", r"2 workers \(parallel\)"):
        row = re.search(rf"^{run}{number}{number}\s+\d+\.\d\dx\s+\d+ \+ \d+\s+\d+, (\d+|-)$", out, re.M)
        assert row, out
    assert re.search(r"^rows stored: article 8, event \d+, evidence \d+; the same in every run; files that failed: 0$", out, re.M), out
    assert re.search(r"^goal >= 20 articles/s: (met|not met) \(best \d+\.\d articles/s\)$", out, re.M), out
    assert re.search(r"^extraction CPU per article on 8 of them: kb.extract \d+\.\d ms, natasha's segment\+morph\+syntax\+NER "
                     r"\d+\.\d ms -> \d+\.\d\dx \(goal <= 1.5x: (met|not met)\)$", out, re.M), out


def test_parallel_seeding_stores_exactly_what_serial_seeding_stores(databases, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    # Reports of one event in two articles (merged), and articles with several events.
    for name in ("2023-11-17-openai-fires-altman.md", "2023-11-17-altman-fired-brockman-quits.html",
                 "2023-07-18-meta-microsoft-llama-2.txt", "2023-07-18-llama-2-microsoft-partner.html",
                 "2023-03-03-llama-weights-leak-4chan.html", "2023-02-24-meta-llama.md"):
        shutil.copy(SEED_ARTICLES / name, folder / name)
    shutil.copy(SEED_ARTICLES / "2023-02-24-meta-llama.md", folder / "same-content-again.md")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    seeded_before = SEED_ARTICLES / "2023-02-24-meta-llama.md"

    results = []
    for seed in (lambda engine: seed_paths(engine, [folder]), lambda engine: seed_paths(engine, [folder], workers=2)):
        url = databases.create(tmp_path)
        try:
            engine = get_engine(url)
            seed_paths(engine, [seeded_before])  # known before the run: not extracted again
            results.append((seed(engine), _rows(engine)))
        finally:
            databases.drop(url)

    (serial, serial_rows), (parallel, parallel_rows) = results
    assert [p.name for p in parallel.stored] == [p.name for p in serial.stored]
    assert sorted(p.name for p in parallel.unchanged) == ["2023-02-24-meta-llama.md", "same-content-again.md"]
    assert [p.name for p in parallel.unchanged] == [p.name for p in serial.unchanged]
    assert parallel.failed == serial.failed and [p.name for p, _ in parallel.failed] == ["empty.txt"]
    assert (parallel.events_created, parallel.events_merged) == (serial.events_created, serial.events_merged)
    assert parallel.events_merged > 0
    assert parallel_rows == serial_rows


def test_workers_extract_in_order_and_skip_stored_content(matcher, tmp_path):
    names = ["2023-12-06-google-gemini.md", "2024-02-15-openai-sora.txt", "2023-06-26-databricks-mosaicml.html"]
    paths = [SEED_ARTICLES / name for name in names] + [tmp_path / "missing.md"]
    known = content_hash(read_article(paths[1]))

    items = list(prepared_articles(paths, None, matcher, workers=2, skip={known}))

    assert [item.path for item in items] == paths
    assert [item.error is None for item in items] == [True, True, True, False]
    assert items[1].extracted is None  # stored already: not worth extracting
    for item in (items[0], items[2]):
        article = read_article(item.path)
        assert item.article == article
        assert item.extracted and item.extracted == extract_events(article.title, article.text, article.published, matcher)
