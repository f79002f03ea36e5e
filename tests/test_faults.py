"""A `kb seed` killed with SIGKILL at random points never leaves a half-ingested article, and a
rerun completes the knowledge base to exactly what an uninterrupted run gives.

The runs are children forked from a process that has imported kb and loaded its models once
(``tests.reliability.ForkServer``), so a kill costs a fraction of a second instead of a Python
start-up, and the random delays land in the work, not in the imports. A child is exactly
`kb seed` (kb.cli's app, called with the arguments), killed with SIGKILL: no handler runs.

After each kill:
- every article present has all of its evidence: for each stored article, the set of its
  (event kind, char_start, char_end, quote) equals the one the reference run stored;
- the knowledge base is finished: finishing every event again would change nothing (no two
  events left to merge, no title or role left to recompute).
When a run completes, its knowledge base must equal the reference row for row (ids and
timestamps aside), and the next cycle starts again from an empty knowledge base.

``KB_FAULT_KILLS`` sets the number of kills (default 20); ``KB_FAULT_SEED`` the random seed.
"""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from kb.db import get_engine
from kb.ingest import finish_events, seed_paths
from kb.models import Event, EventOrganization, EventPerson
from tests.reliability import (
    SMALL_CORPUS_SIZE,
    ForkServer,
    content_snapshot,
    differences,
    evidence_by_article,
    exited,
    record_summary,
    write_small_corpus,
)

KILLS = int(os.environ.get("KB_FAULT_KILLS", "20"))
RANDOM_SEED = int(os.environ.get("KB_FAULT_SEED", "20240229"))


def seed_and_kill(server: ForkServer, url: str, folder: Path, kill_after: float | None) -> tuple[bool, float]:
    """Run `kb seed`; SIGKILL it after ``kill_after`` seconds. Returns (killed, seconds it ran)."""
    started = time.monotonic()
    pid = server.start("--db", url, "seed", str(folder))
    if kill_after is not None:
        while time.monotonic() - started < kill_after and not exited(pid):
            time.sleep(0.01)
        os.kill(pid, signal.SIGKILL)  # a child that has exited is a zombie: nothing happens
    status, output = server.reap(pid)
    seconds = time.monotonic() - started
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return True, seconds
    assert os.WEXITSTATUS(status) == 0, output
    return False, seconds


@pytest.fixture
def fork_server(tmp_path):
    server = ForkServer(tmp_path)
    yield server
    server.close()


@pytest.fixture
def corpus(tmp_path) -> Path:
    return write_small_corpus(tmp_path / "corpus")


def unfinished_work(url: str) -> list[str]:
    """What finishing every event again would change (nothing, in a finished knowledge base)."""
    with Session(get_engine(url)) as session:
        def state():
            titles = dict(session.exec(select(Event.id, Event.title)).all())
            links = [session.exec(select(func.count()).select_from(table)).one() for table in (EventOrganization, EventPerson)]
            return titles, links

        before = state()
        merged = finish_events(session, set(before[0]))
        after = state()
        session.rollback()
    problems = [f"{merged} events still to merge"] if merged else []
    if before[0] != after[0]:
        problems.append(f"titles still to compute: {sorted(set(before[0].items()) - set(after[0].items()))}")
    if before[1] != after[1]:
        problems.append(f"roles still to normalize: {before[1]} -> {after[1]}")
    return problems


def test_seeding_killed_at_random_points_leaves_whole_articles_and_a_rerun_completes(databases, tmp_path, corpus, fork_server):
    reference_url = databases.create(tmp_path)
    killed, full_run = seed_and_kill(fork_server, reference_url, corpus, kill_after=None)
    assert not killed
    reference = content_snapshot(reference_url)
    reference_evidence = evidence_by_article(reference_url)
    assert len(reference_evidence) == SMALL_CORPUS_SIZE and all(reference_evidence.values())
    databases.drop(reference_url)

    rng = random.Random(RANDOM_SEED)
    kills, completed_runs, articles_at_kill = 0, 0, []
    url = databases.create(tmp_path)
    deadline = time.monotonic() + max(120, KILLS * 12)
    while kills < KILLS:
        assert time.monotonic() < deadline, f"only {kills} kills landed before the deadline"
        was_killed, _ = seed_and_kill(fork_server, url, corpus, kill_after=rng.uniform(0, full_run))
        stored = evidence_by_article(url)
        assert differences({d: reference_evidence[d] for d in stored}, stored) == [], "half-ingested articles"
        assert unfinished_work(url) == []
        if was_killed:
            kills += 1
            articles_at_kill.append(len(stored))
            continue
        # The run completed what the killed ones left: exactly the uninterrupted knowledge base.
        assert differences(reference, content_snapshot(url)) == []
        completed_runs += 1
        databases.drop(url)
        url = databases.create(tmp_path)
    databases.drop(url)

    # The kills fell all along the run: before the first article, between, and after the last.
    assert min(articles_at_kill) < SMALL_CORPUS_SIZE // 2 and max(articles_at_kill) > SMALL_CORPUS_SIZE // 2
    assert completed_runs > 0
    record_summary(
        "faults", engine=databases.engine_name, kills=kills, completed_runs=completed_runs,
        articles_at_kill=articles_at_kill, full_run_seconds=round(full_run, 2),
    )


def test_seeding_in_two_runs_gives_what_one_run_gives(databases, tmp_path, corpus):
    """What a rerun completes must not depend on where the first run stopped: the entities it
    learned (unreviewed) do not change what later articles yield."""
    one_run, two_runs = databases.create(tmp_path), databases.create(tmp_path)
    seed_paths(get_engine(one_run), [corpus])
    first = corpus / "2023-11-17-altman-fired-brockman-quits.html"
    seed_paths(get_engine(two_runs), [first])
    seed_paths(get_engine(two_runs), [corpus])
    assert differences(content_snapshot(one_run), content_snapshot(two_runs)) == []
    for url in (one_run, two_runs):
        databases.drop(url)
