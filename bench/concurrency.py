"""Concurrency: N `kb seed` processes at once over one corpus, on SQLite and on PostgreSQL, and
the API under 32 concurrent clients with 1 and 2 uvicorn workers on PostgreSQL.

Run as ``python bench/concurrency.py [--articles N] [--clients 32] [--seconds 10]``.
PostgreSQL: ``KB_BENCH_POSTGRES_URL`` names a database on a server where its role may create
databases (``.ci/start-postgres`` prints one); without it the PostgreSQL rows are skipped,
with a message. Nothing is started for it.

Ingestion: for 1, 2 and 4 processes, a fresh migrated database, then that many `kb seed`
processes started together over the same corpus (the bundled articles, or ``--articles N``
copies of them made as bench/ingest.py makes them); the wall time until the last one exits
gives articles per second, Python start-up included (the ``start-up`` line times `kb seed`
of an empty folder). Every process walks the files in the same order and skips what another
has stored, so the work is shared article by article and nothing holds a lock across
articles. The rows stored are counted table by table after each run: they must be the same
for every run, on either engine.

API: the knowledge base the 1-process run stored on PostgreSQL, served by uvicorn with 1
and 2 worker processes; ``--clients`` clients (``bench/http_load.py``) ask round-robin for timeline
pages, filters, full-text searches, events and entity lists for ``--seconds`` after a warm-up.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

import sqlalchemy as sa

from bench.ingest import write_corpus
from bench.serve import Launch, Load, free_port, measure_load, serving
from kb.backup import dumped_tables
from kb.config import seeds_dir
from kb.db import get_engine, migrate

CORPUS = seeds_dir() / "articles"
PROCESSES = (1, 2, 4)
UVICORN_WORKERS = (1, 2)
POSTGRES_URL_VARIABLE = "KB_BENCH_POSTGRES_URL"
COUNTED = ("article", "event", "evidence", "organization", "ai_model", "person", "alias",
           "event_organization", "event_model", "event_person", "event_search")
API_PATHS = [
    "/timeline?limit=20",
    "/timeline?org=OpenAI&limit=20",
    "/timeline?model=llama&kind=leak&kind=release",
    "/timeline?q=утечка",
    "/timeline?from=2023-01-01&to=2023-12-31&facets=kind,year",
    "/events/1",
    "/models",
    "/organizations/1/timeline",
    "/timeline?q=инвестиции&order=desc",
    "/people",
]


class Databases:
    """Fresh databases on one engine: SQLite files in a folder, or databases beside a PostgreSQL one."""

    def __init__(self, name: str, folder: Path, postgres_url: str | None = None):
        self.name, self.folder = name, folder
        self.server = sa.make_url(postgres_url) if postgres_url else None
        self.admin = sa.create_engine(self.server, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool) if self.server else None
        self.made: list[str] = []

    def create(self) -> str:
        if self.server is None:
            return f"sqlite:///{self.folder / f'kb-{uuid.uuid4().hex[:8]}.sqlite'}"
        name = f"kb_bench_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return self.server.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if self.admin is None:
            return
        with self.admin.connect() as connection:
            for name in self.made:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.dispose()


def seed_at_once(url: str, folder: Path, processes: int) -> float:
    """Start ``processes`` `kb seed` processes together over ``folder``; seconds until the last ends."""
    env = os.environ | {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "kb", "--db", url, "seed", str(folder)]
    started = time.perf_counter()
    running = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(processes)]
    for process in running:
        out, err = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"kb seed failed ({process.returncode}): {err[-2000:]}")
    return time.perf_counter() - started


def row_counts(url: str) -> dict[str, int]:
    engine = get_engine(url)
    with engine.connect() as connection:
        counts = {table.name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                  for table in dumped_tables() if table.name in COUNTED}
    engine.dispose()
    return counts


def bench_ingestion(databases: Databases, folder: Path, articles: int, empty: Path) -> tuple[list[str], list[dict], str]:
    """Lines of the ingestion table for one engine, the row counts of each run, and the 1-process database."""
    lines = []
    url = databases.create()
    migrate(url)
    lines.append(f"{databases.name:<11}{'start-up':>9}{seed_at_once(url, empty, 1):>10.2f} s  (kb seed of an empty folder)")
    counts, first_url = [], None
    for processes in PROCESSES:
        url = databases.create()
        migrate(url)
        seconds = seed_at_once(url, folder, processes)
        counts.append(row_counts(url))
        first_url = first_url or url
        lines.append(f"{databases.name:<11}{processes:>9}{seconds:>10.2f} s{articles / seconds:>12.1f}")
    return lines, counts, first_url


def bench_api(url: str, clients: int, seconds: float) -> list[str]:
    lines = []
    os.environ["KB_DATABASE_URL"] = url  # what create_app() reads, in every uvicorn worker
    for workers in UVICORN_WORKERS:
        port = free_port()
        command = [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--log-level", "warning",
                   "--port", str(port), "--workers", str(workers)]
        with serving(Launch(f"uvicorn --workers {workers}", command, port, "/timeline?limit=1")) as (server,):
            measure_load(server, API_PATHS, clients, min(2.0, seconds))  # warm-up: connections, caches
            load: Load = measure_load(server, API_PATHS, clients, seconds)
        lines.append(f"{workers:>16}{load.rate:>12.1f}{load.percentile(50):>10.1f}{load.percentile(99):>10.1f}{load.failed:>8}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=None, help="copies of the bundled articles to seed (default: the bundled corpus)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    options = parser.parse_args()
    postgres_url = os.environ.get(POSTGRES_URL_VARIABLE)

    with tempfile.TemporaryDirectory(prefix="kb-bench-concurrency-") as workdir:
        workdir = Path(workdir)
        folder, empty = workdir / "articles", workdir / "empty"
        folder.mkdir()
        empty.mkdir()
        if options.articles:
            write_corpus(folder, options.articles)
        else:
            for path in CORPUS.iterdir():
                (folder / path.name).write_bytes(path.read_bytes())
        articles = len(list(folder.iterdir()))
        engines = [Databases("SQLite", workdir)]
        if postgres_url:
            engines.append(Databases("PostgreSQL", workdir, postgres_url))
        else:
            print(f"PostgreSQL skipped: set {POSTGRES_URL_VARIABLE} (e.g. to what .ci/start-postgres prints)")

        print(f"Ingestion: {articles} articles, N `kb seed` processes at once over all of them ({os.cpu_count()} CPUs)")
        print(f"{'engine':<11}{'processes':>9}{'wall':>12}{'articles/s':>12}")
        all_counts, seeded_postgres = [], None
        try:
            for databases in engines:
                lines, counts, first_url = bench_ingestion(databases, folder, articles, empty)
                print("\n".join(lines))
                all_counts += counts
                if databases.server is not None:
                    seeded_postgres = first_url
            same = all(counts == all_counts[0] for counts in all_counts)
            print("rows: " + ", ".join(f"{table} {count}" for table, count in all_counts[0].items()))
            print(f"row counts identical in all {len(all_counts)} runs: {'yes' if same else 'NO'}")
            if not same:
                for counts in all_counts:
                    print("  ", counts)
            if seeded_postgres is not None:
                print(f"\nAPI on PostgreSQL: {options.clients} concurrent clients, {options.seconds:g} s, "
                      f"{len(API_PATHS)} kinds of request round-robin")
                print(f"{'uvicorn workers':>16}{'requests/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'failed':>8}")
                print("\n".join(bench_api(seeded_postgres, options.clients, options.seconds)))
        finally:
            for databases in engines:
                databases.drop_all()


if __name__ == "__main__":
    main()
