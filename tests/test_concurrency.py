"""Four `kb seed` processes at once over the same corpus store exactly what one process stores:
the same articles, events, entities, aliases and evidence, nothing twice and nothing lost.

Nothing holds a lock across articles: unique keys (article content, entity names, aliases,
links) decide who stores what, a transaction that loses a race is run again, and each run
ends by merging its events with equal ones the other runs stored meanwhile. On SQLite the
writers take turns (busy timeout); on PostgreSQL they run side by side.

The processes are forked from one that has imported kb already (``tests.reliability.ForkServer``),
so that they start together and the test stays fast. Twice:
- all four are given the folder, as the same command run four times: they store exactly what
  one process stores;
- one is given the folder, the others the same files named one by one in other orders
  (reversed, rotated), as workers taking articles from a queue would, so that they store
  different articles at the same moment and race for the same events and entities. Then the
  same knowledge base but for the date provenance of merged events (``content_snapshot``'s
  ``date_provenance``), which follows the order articles are stored in, as in one process.
``KB_CONCURRENCY_ROUNDS`` repeats the tests.
"""

from __future__ import annotations

import os

import pytest
from sqlmodel import Session, func, select

from kb.db import get_engine
from kb.models import Alias, Article, Evidence
from tests.reliability import (
    SMALL_CORPUS_SIZE,
    ForkServer,
    content_snapshot,
    differences,
    evidence_by_article,
    record_summary,
    write_small_corpus,
)

PROCESSES = 4
ROUNDS = int(os.environ.get("KB_CONCURRENCY_ROUNDS", "1"))


@pytest.mark.parametrize("round_", range(ROUNDS))
@pytest.mark.parametrize("orders", ["the same order", "different orders"])
def test_four_seed_processes_at_once_store_what_one_stores(databases, tmp_path, orders, round_):
    corpus = write_small_corpus(tmp_path / "corpus")
    one_url, four_url = databases.create(tmp_path), databases.create(tmp_path)
    server = ForkServer(tmp_path)
    try:
        # The reference from the same server, so that both run the very same code.
        status, one_output = server.reap(server.start("--db", one_url, "seed", str(corpus)))
        assert status == 0, one_output
        files = sorted(str(path) for path in corpus.iterdir())
        if orders == "the same order":
            arguments = [[str(corpus)]] * PROCESSES
        else:
            arguments = [[str(corpus)], files[::-1], files[3:] + files[:3], (files[6:] + files[:6])[::-1]]
        pids = [server.start("--db", four_url, "seed", *paths) for paths in arguments[:PROCESSES]]
        ended = [server.reap(pid) for pid in pids]
    finally:
        server.close()

    assert [status for status, _ in ended] == [0] * PROCESSES, [output for _, output in ended]
    stored = int(one_output.split(" stored,")[0])
    assert stored == SMALL_CORPUS_SIZE and " 0 merged" not in one_output, one_output
    # Each article stored by exactly one of them; together, all of them.
    assert sum(int(output.split(" stored,")[0]) for _, output in ended) == stored
    with Session(get_engine(four_url)) as session:
        assert session.exec(select(func.count()).select_from(Article)).one() == stored
        aliases = session.exec(select(Alias.key, Alias.organization_id, Alias.model_id, Alias.person_id)).all()
        assert len(aliases) == len(set(aliases))
        quotes = session.exec(select(Evidence.event_id, Evidence.article_id, Evidence.char_start)).all()
        assert len(quotes) == len(set(quotes))
    assert differences(evidence_by_article(one_url), evidence_by_article(four_url)) == []
    exact = orders == "the same order"
    assert differences(content_snapshot(one_url, exact), content_snapshot(four_url, exact)) == []
    record_summary("concurrency", engine=databases.engine_name, orders=orders, processes=PROCESSES, articles=stored,
                   stored_by_each=[int(output.split(" stored,")[0]) for _, output in ended])
    for url in (one_url, four_url):
        databases.drop(url)
