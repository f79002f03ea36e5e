"""The serving benchmark (bench/serve.py) and the synthetic knowledge base it serves (bench/synthetic.py)."""

import asyncio
import importlib.util
import re
import subprocess
import sys
from collections import Counter

import httpx
from sqlmodel import Session, select

from bench.http_load import ask
from bench.synthetic import add_events, build_database
from kb.models import Article, Event, EventModel, Evidence, AIModel
from tests.conftest import REPO

BENCH = REPO / "bench" / "serve.py"


def test_the_load_generator_reads_every_kind_of_answer(live_url):
    # Lengths, chunks (a streamed export), a 404, and a path that is not ASCII.
    paths = ["/timeline?limit=3", "/timeline.csv", "/events/999999", "/timeline?q=утечка"]
    answers, seconds = asyncio.run(ask(live_url, paths, clients=2, seconds=1.0))
    assert len(answers.latencies) >= len(paths) and seconds >= 1.0
    assert 0 < answers.failed < len(answers.latencies)  # the 404s, and only those
    with httpx.Client(base_url=live_url) as client:
        assert client.get("/timeline", params={"q": "утечка"}).status_code == 200


def test_the_synthetic_knowledge_base_looks_like_the_news(tmp_path):
    engine, world, rng, _ = build_database(tmp_path / "kb.sqlite", 800)
    with Session(engine) as session:
        events = session.exec(select(Event)).all()
        assert len(events) == 800
        years = Counter(e.date_start.year for e in events if e.date_start)
        assert years[2024] > years[2020] > years[2016]  # more news every year
        assert 0 < sum(e.date_start is None for e in events) < 80
        models = Counter(session.exec(select(AIModel.name).join(EventModel, EventModel.model_id == AIModel.id)).all())
        assert models.most_common(1)[0][0] in ("GPT-4", "ChatGPT")  # a long tail, with its head
        texts = dict(session.exec(select(Article.id, Article.text)).all())
        evidence = session.exec(select(Evidence)).all()
        assert {e.event_id for e in evidence} == {e.id for e in events}
        assert all(texts[e.article_id][e.char_start : e.char_end] == e.quote for e in evidence)
        found = session.connection().exec_driver_sql("SELECT count(*) FROM event_fts WHERE event_fts MATCH 'утечь'").scalar_one()
        assert found > 0  # the search index followed event_search

    add_events(engine, world, rng, 300, indexed=False)
    with Session(engine) as session:
        assert len(session.exec(select(Event.id)).all()) == 1100
        assert session.connection().exec_driver_sql("SELECT count(*) FROM event_search").scalar_one() == 800


def test_the_quick_benchmark_compares_both_servers_and_both_exports(tmp_path):
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--seconds", "0.4", "--csv-rows", "1500"],
        capture_output=True, text=True, timeout=240, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"^Knowledge base: 1,500 events \(2012-2025", out, re.M), out
    if importlib.util.find_spec("datasette") is None:
        assert "Datasette is not installed" in out
    else:
        number = r"\s+\d+\.\d"
        for server in ("kb serve", "datasette"):
            assert len(re.findall(rf"^.*{server}{number}{number}{number}{number}$", out, re.M)) == 2, out
        assert out.count("same events from both: yes") == 2, out
        assert re.search(r"^goal: kb >= 1\.5x Datasette's req/s at a lower p99: (met|not met) \(", out, re.M), out
    assert re.search(r"^kb: GET /timeline\.csv\s+1,500\s+\d+\.\d\s+[\d,]+\s+\d+\.\d\dx\s+\d+$", out, re.M), out
    assert re.search(r"^(sqlite3 -csv|Python sqlite3 \+ csv \(no sqlite3 CLI\))\s+1,500\s", out, re.M), out
    assert "is byte for byte the previous export path's" in out and ": yes" in out.split("byte for byte")[1].splitlines()[0], out
    assert re.search(r"^goal: within 3x of sqlite3's rows/s, under 150 MiB at every size: (met|not met)$", out, re.M), out
