"""Serving benchmark: kb's API against Datasette on the same SQLite file, its CSV export against sqlite3.

Run as ``python bench/serve.py [--events 100000] [--csv-rows 1000000] [--clients 8] [--seconds 12] [--quick]``.

It generates a knowledge base of synthetic events (``bench/synthetic.py``: the real schema,
a realistic spread of entities and dates, search documents included), then asks ``kb serve``
(uvicorn, one process) and ``datasette serve --immutable`` over that file the same two
questions with N concurrent keep-alive connections (``bench/http_load.py``, a client that
takes little of the CPU the servers share with it), after a warm-up, in alternating rounds: the 50 newest
events of one model between two dates, and the 50 newest events matching a full-text query,
each answer with its organizations, models, people and sources (Datasette: SQL with the same
joins, through its JSON API). Both must return the same events. It prints requests per second,
p50 / p99 latency and the server's CPU time per request, and the ratios.

Last it times ``GET /timeline.csv`` of the whole timeline against ``sqlite3 -csv`` running an
equivalent query, at the first size and again after growing the knowledge base to the second
(the events added for this are not indexed for search, which the export does not read; their
JSON is stored as ``kb seed`` would), with
the API server's peak resident memory, each export from a freshly started server. At the
first size it checks that the export is byte for byte what the previous export path (an
``EventPublic`` per event, ``kb.export_csv.csv_lines``) writes, and times that path.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

import httpx
import sqlalchemy as sa
from sqlmodel import Session

from bench.http_load import ask
from bench.questions import questions, same_answers
from bench.synthetic import YEARS, World, add_events, build_database
from kb.db import get_engine
from kb.export import EXPORT_FORMATS
from kb.queries import TimelineFilter, iter_timeline

DEFAULT_EVENTS, DEFAULT_CSV_ROWS = 100_000, 1_000_000
QUICK_EVENTS, QUICK_CSV_ROWS = 1_500, 4_000
GOAL_THROUGHPUT, GOAL_EXPORT_RATIO, GOAL_MEMORY_MIB = 1.5, 3.0, 150  # issue 5


# --- servers and clients --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    url: str

    def peak_mib(self) -> float:
        """The process's peak resident memory so far (VmHWM, Linux)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024

    def cpu_seconds(self) -> float:
        """CPU time the process has used so far, user and system (Linux)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Launch:
    """How to start a server: its name, command, port and a path that answers 200 once it is ready."""

    name: str
    command: list[str]
    port: int
    ready: str


@contextmanager
def serving(*launches: Launch) -> Iterator[list[Server]]:
    """The servers, started together and each waited for; stopped afterwards."""
    logs = [tempfile.TemporaryFile() for _ in launches]
    servers = [
        Server(launch.name, subprocess.Popen(launch.command, stdout=subprocess.DEVNULL, stderr=log), f"http://127.0.0.1:{launch.port}")
        for launch, log in zip(launches, logs)
    ]
    try:
        deadline = time.monotonic() + 120
        for server, launch, log in zip(servers, launches, logs):
            while not _answers(server.url + launch.ready):
                if server.process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise SystemExit(f"{server.name} did not start: {log.read().decode(errors='replace')[-2000:]}")
                time.sleep(0.2)
        yield servers
    finally:
        for server in servers:
            server.process.terminate()
        for server in servers:
            try:
                server.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()
        for log in logs:
            log.close()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def kb_serve(path: Path) -> Launch:
    """``kb serve`` over the file: uvicorn, one process, as a user would run it (it seeds only an empty database)."""
    port = free_port()
    return Launch("kb", [sys.executable, "-m", "kb", "--db", f"sqlite:///{path}", "serve", "--port", str(port)], port, "/timeline?limit=1")


def datasette_serve(path: Path) -> Launch:
    """``datasette serve --immutable`` over the file: its fastest mode, for data that does not change."""
    port = free_port()
    command = [sys.executable, "-m", "datasette", "serve", "--immutable", str(path), "--port", str(port)]
    return Launch("datasette", command, port, "/-/versions.json")


@dataclass
class Load:
    """What N clients saw, asking as fast as answers came for a while, and what it cost the server."""

    answered: int
    failed: int
    seconds: float
    latencies: list[float]  # sorted, in seconds
    server_cpu: float = 0.0  # seconds

    def __add__(self, other: Load) -> Load:
        return Load(self.answered + other.answered, self.failed + other.failed, self.seconds + other.seconds,
                    sorted(self.latencies + other.latencies), self.server_cpu + other.server_cpu)

    @property
    def rate(self) -> float:
        return self.answered / self.seconds

    def percentile(self, p: float) -> float:
        return self.latencies[min(len(self.latencies) - 1, int(p / 100 * len(self.latencies)))] * 1000


def _ask(base: str, paths: list[str], clients: int, seconds: float) -> Load:
    answers, elapsed = asyncio.run(ask(base, paths, clients, seconds))
    return Load(len(answers.latencies), answers.failed, elapsed, sorted(answers.latencies))


def measure_load(server: Server, paths: list[str], clients: int, seconds: float) -> Load:
    """Requests per second, latencies and server CPU time of ``paths`` asked round-robin for ``seconds``."""
    cpu = server.cpu_seconds()
    load = _ask(server.url, paths, clients, seconds)
    load.server_cpu = server.cpu_seconds() - cpu
    return load


# --- CSV export ------------------------------------------------------------------------------------

# The CSV of the whole timeline as sqlite3 writes it: the same rows, lists joined in the same
# order (without removing repeats or neutralising formulas), unknown dates last.
_LISTS_SQL = """
  (select group_concat(name, ';') from (select organization.name from event_organization
     join organization on organization.id = event_organization.organization_id
     where event_organization.event_id = event.id order by event_organization.role, organization.name)) as organizations,
  (select group_concat(name, ';') from (select ai_model.name from event_model join ai_model on ai_model.id = event_model.model_id
     where event_model.event_id = event.id order by ai_model.name)) as models,
  (select group_concat(name, ';') from (select person.name from event_person join person on person.id = event_person.person_id
     where event_person.event_id = event.id order by event_person.role, person.name)) as people,
  (select evidence.quote from evidence join article on article.id = evidence.article_id where evidence.event_id = event.id
     order by article.published, evidence.id limit 1) as quote,
  (select group_concat(url, ';') from (select nullif(article.url, '') as url from evidence
     join article on article.id = evidence.article_id where evidence.event_id = event.id
     order by article.published, evidence.id)) as source_urls,
  (select group_concat(file_name, ';') from (select article.file_name from evidence
     join article on article.id = evidence.article_id where evidence.event_id = event.id
     order by article.published, evidence.id)) as source_files"""
EXPORT_SQL = f"""
select id, date_start, date_end, precision, date_text, year_inferred, kind, title, confidence,{_LISTS_SQL}
from event order by date_start is null, date_start, id;
"""


@dataclass
class Export:
    rows: int
    seconds: float
    peak_mib: float | None = None  # the API server's

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def export_through_api(path: Path, out: Path) -> Export:
    """``GET /timeline.csv`` of the whole timeline from a freshly started ``kb serve``, written to ``out``."""
    with serving(kb_serve(path)) as (server,):
        started = time.perf_counter()
        with httpx.stream("GET", server.url + "/timeline.csv", timeout=None) as response, out.open("wb") as file:
            response.raise_for_status()
            for chunk in response.iter_raw():
                file.write(chunk)
        seconds = time.perf_counter() - started
        peak = server.peak_mib()
    return Export(_csv_rows(out), seconds, peak)


def export_through_sqlite3(path: Path, out: Path) -> Export:
    """``sqlite3 -csv`` running ``EXPORT_SQL``, written to ``out``; without the CLI, Python's sqlite3 and csv modules."""
    started = time.perf_counter()
    with out.open("w", encoding="utf-8", newline="") as file:
        if shutil.which("sqlite3"):
            subprocess.run(["sqlite3", "-csv", "-header", str(path)], input=EXPORT_SQL.encode(), stdout=file, check=True)
        else:
            connection = sqlite3.connect(path)
            cursor = connection.execute(EXPORT_SQL)
            writer = csv.writer(file)
            writer.writerow(column[0] for column in cursor.description)
            writer.writerows(cursor)
            connection.close()
    return Export(_csv_rows(out), time.perf_counter() - started)


SQLITE3_BASELINE = "sqlite3 -csv" if shutil.which("sqlite3") else "Python sqlite3 + csv (no sqlite3 CLI)"


def _csv_rows(path: Path) -> int:
    """Records in a CSV file with a header line (no field in these files holds a line break)."""
    with path.open("rb") as file:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 20), b"")) - 1


def previous_export(path: Path, out: Path) -> Export:
    """The CSV as the previous export path writes it: an ``EventPublic`` per event, in this process."""
    started = time.perf_counter()
    with Session(get_engine(f"sqlite:///{path}")) as session, out.open("w", encoding="utf-8", newline="") as file:
        file.writelines(EXPORT_FORMATS["csv"].write(iter_timeline(session, TimelineFilter())))
    return Export(_csv_rows(out), time.perf_counter() - started)


def same_file(a: Path, b: Path) -> bool:
    with a.open("rb") as first, b.open("rb") as second:
        while True:
            x, y = first.read(1 << 20), second.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


# --- the run -----------------------------------------------------------------------------------------


def compare_serving(path: Path, clients: int, seconds: float, warmup: float, rounds: int) -> list[str]:
    """Both servers over ``path``, each question asked of each in alternating rounds; the report's lines."""
    lines = [f"{'question':<40}{'server':<14}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/req':>12}"]
    verdicts = []
    with serving(kb_serve(path), datasette_serve(path)) as (kb, datasette):
        for question in questions(path.stem):
            same = same_answers(kb.url, datasette.url, question)
            servers = [(kb, question.kb), (datasette, question.datasette)]
            for server, paths in servers:
                _ask(server.url, paths, clients, warmup)
            loads = [Load(0, 0, 0.0, []) for _ in servers]
            # Alternating rounds, so that both meet the same moments of a busy machine.
            for _ in range(rounds):
                for i, (server, paths) in enumerate(servers):
                    loads[i] += measure_load(server, paths, clients, seconds / rounds)
            ours, theirs = loads
            for name, load in (("kb serve", ours), ("datasette", theirs)):
                failed = f"  ({load.failed} failed)" if load.failed else ""
                lines.append(f"{question.label if name == 'kb serve' else '':<40}{name:<14}{load.rate:>9.1f}"
                             f"{load.percentile(50):>9.1f}{load.percentile(99):>9.1f}"
                             f"{load.server_cpu * 1000 / max(load.answered, 1):>12.1f}{failed}")
            lines.append(f"{'':<40}{'kb/datasette':<14}{ours.rate / theirs.rate:>8.2f}x"
                         f"{ours.percentile(50) / theirs.percentile(50):>8.2f}x{ours.percentile(99) / theirs.percentile(99):>8.2f}x")
            lines.append(f"{'':<40}same events from both: {'yes' if same else 'NO'} ({len(question.kb)} variants)")
            met = ours.rate >= GOAL_THROUGHPUT * theirs.rate and ours.percentile(99) < theirs.percentile(99) and same
            verdicts.append((met, f"{question.label.split(',')[-1].strip()} {ours.rate / theirs.rate:.2f}x, p99 "
                                  f"{ours.percentile(99):.0f} vs {theirs.percentile(99):.0f} ms"))
    met = all(ok for ok, _ in verdicts)
    lines.append(f"goal: kb >= {GOAL_THROUGHPUT}x Datasette's req/s at a lower p99: {'met' if met else 'not met'} "
                 f"({'; '.join(text for _, text in verdicts)})")
    return lines


def compare_exports(path: Path, engine: sa.Engine, world: World, rng: random.Random, sizes: list[int], folder: Path) -> list[str]:
    """The CSV export through the API and through sqlite3 at each size (growing the knowledge base); the report's lines."""
    lines = [f"{'CSV export of the whole timeline':<36}{'rows':>11}{'seconds':>9}{'rows/s':>10}{'ratio':>8}{'API peak RSS MiB':>18}"]
    verdicts = []
    for size in sizes:
        grown = size - _count(engine, "event")
        if grown > 0:
            add_events(engine, world, rng, grown, indexed=False)
        _checkpoint(engine)
        ours = export_through_api(path, folder / "api.csv")
        theirs = export_through_sqlite3(path, folder / "sqlite3.csv")
        if size == sizes[0]:
            previous = previous_export(path, folder / "previous.csv")
            identical = same_file(folder / "api.csv", folder / "previous.csv")
        rows_ok = ours.rows == theirs.rows == size
        lines.append(f"{'kb: GET /timeline.csv':<36}{ours.rows:>11,}{ours.seconds:>9.1f}{ours.rate:>10,.0f}"
                     f"{ours.rate / theirs.rate:>7.2f}x{ours.peak_mib:>18.0f}")
        lines.append(f"{SQLITE3_BASELINE:<36}{theirs.rows:>11,}{theirs.seconds:>9.1f}{theirs.rate:>10,.0f}{'':>8}{'':>18}"
                     + ("" if rows_ok else "  ROW COUNTS DIFFER"))
        verdicts.append(rows_ok and theirs.rate <= GOAL_EXPORT_RATIO * ours.rate and ours.peak_mib < GOAL_MEMORY_MIB)
    lines.append(f"the API's CSV at {sizes[0]:,} rows is byte for byte the previous export path's "
                 f"(an EventPublic per event, {previous.rate:,.0f} rows/s in process): {'yes' if identical else 'NO'}")
    lines.append(f"goal: within {GOAL_EXPORT_RATIO:.0f}x of sqlite3's rows/s, under {GOAL_MEMORY_MIB} MiB at every size: "
                 f"{'met' if all(verdicts) and identical else 'not met'}")
    return lines


def _count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()


def _checkpoint(engine: sa.Engine) -> None:
    """Everything written in the database file itself, for readers that ignore the WAL (Datasette's --immutable)."""
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def main() -> None:
    """Build the knowledge base, compare the servers, compare the exports; print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, help=f"events served (default {DEFAULT_EVENTS:,}; quick {QUICK_EVENTS:,})")
    parser.add_argument("--csv-rows", type=int, help=f"rows of the larger export (default {DEFAULT_CSV_ROWS:,}; quick {QUICK_CSV_ROWS:,})")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--seconds", type=float, help="seconds of load per question and server (default 12; quick 1)")
    parser.add_argument("--quick", action="store_true", help="small sizes and short runs, for a smoke test")
    args = parser.parse_args()
    events = args.events or (QUICK_EVENTS if args.quick else DEFAULT_EVENTS)
    csv_rows = max(args.csv_rows or (QUICK_CSV_ROWS if args.quick else DEFAULT_CSV_ROWS), events)
    seconds = args.seconds or (1.0 if args.quick else 12.0)
    warmup, rounds = (0.3, 1) if args.quick else (2.0, 3)
    with tempfile.TemporaryDirectory(prefix="kb-bench-serve-") as temporary:
        folder = Path(temporary)
        path = folder / "kb.sqlite"
        load_before = os.getloadavg()[0]
        engine, world, rng, built = build_database(path, events)
        _checkpoint(engine)
        counts = {t: _count(engine, t) for t in ("event", "article", "evidence", "organization", "ai_model", "person")}
        print(f"Knowledge base: {counts['event']:,} events ({YEARS[0]}-{YEARS[-1]}, more each year), "
              f"{counts['article']:,} articles, {counts['evidence']:,} sources, {counts['organization']} organizations, "
              f"{counts['ai_model']} models, {counts['person']} people; built in {built:.1f} s")
        print(f"{os.cpu_count()} CPUs, SQLite {sqlite3.sqlite_version}, Datasette {_datasette_version() or 'not installed'}; "
              f"{args.clients} clients, {seconds:g} s per question and server in {rounds} alternating rounds "
              f"after {warmup:g} s of warm-up")
        print()
        if _datasette_version():
            print("\n".join(compare_serving(path, args.clients, seconds, warmup, rounds)))
        else:
            print("Datasette is not installed (pip install -e '.[test]'): the serving comparison is skipped")
        print()
        print("\n".join(compare_exports(path, engine, world, rng, sorted({events, csv_rows}), folder)))
        print(f"load average (1 min) before and after: {load_before:.1f}, {os.getloadavg()[0]:.1f}")


def _datasette_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("datasette")
    except ImportError:
        return None


if __name__ == "__main__":
    main()
