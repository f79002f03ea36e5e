"""Seeding with extraction in worker processes: ``seed_paths`` for several CPU cores.

Reading a file and extracting its events is pure CPU work that depends only on the file and
on the gazetteer as it stood when the run began (``seed_paths`` also builds its matcher once),
so worker processes do it for many files at once (``prepared_articles``). Storing stays in
one process, one transaction per article and in the order given, because SQLite has a single
writer and because reports of one event merge in seeding order: the database ends up exactly
as a serial ``seed_paths`` over the same files leaves it.

Worker processes are started with "spawn", so a script that seeds in parallel must guard its
top level with ``if __name__ == "__main__":`` (the ``kb`` command does).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kb.articles import ArticleError, content_hash, read_article
from kb.extract import ExtractedEvent, extract_events
from kb.extract.matcher import EntityMatcher
from kb.models import ArticleCreate

# Files handed to a worker at a time: small, so that the parent can store the first
# articles while the workers are still extracting the next ones.
_CHUNK = 2
_BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

# A worker's matcher and the content not to extract, set once by ``_start_worker``.
_worker_matcher: EntityMatcher | None = None
_worker_skip: Collection[str] = frozenset()


@dataclass
class PreparedArticle:
    """One file, read and (unless its content is stored already) with its events extracted."""

    path: Path
    article: ArticleCreate | None  # None when the file cannot be read
    error: str | None  # why the file cannot be read
    extracted: list[ExtractedEvent] | None  # None: not extracted (content known, or workers <= 1)


def prepared_articles(
    paths: Iterable[Path],
    published: date | None,
    matcher: EntityMatcher,
    workers: int,
    skip: Collection[str] = frozenset(),
) -> Iterator[PreparedArticle]:
    """Article files read, and their events extracted by ``workers`` processes, in the order given.

    Files whose content hash is in ``skip`` (stored already) are read but not extracted. With
    ``workers`` <= 1 the files are only read, here, one at a time, and nothing is extracted.
    """
    if workers <= 1:
        for path in paths:
            yield _read(path, published)
        return
    # "spawn": a worker starts clean instead of inheriting this process's database
    # connections and threads (a web server's, say), which fork would copy.
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(workers, initializer=_start_worker, initargs=(matcher, frozenset(skip)))
    try:
        yield from pool.imap(_read_and_extract, [(path, published) for path in paths], chunksize=_CHUNK)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def _start_worker(matcher: EntityMatcher, skip: Collection[str]) -> None:
    global _worker_matcher, _worker_skip
    # One BLAS thread per worker, as joblib's workers have: the workers already fill the
    # cores, and natasha's matrices are too small for BLAS threads to pay (they tripled
    # the CPU time of NER). numpy reads this when natasha first imports it, later on.
    for variable in _BLAS_THREAD_VARIABLES:
        os.environ[variable] = "1"
    _worker_matcher, _worker_skip = matcher, skip


def _read(path: Path, published: date | None) -> PreparedArticle:
    try:
        return PreparedArticle(path, read_article(path, published), None, None)
    except ArticleError as exc:
        # Returned, not raised: the exception does not survive pickling back from a worker.
        return PreparedArticle(path, None, exc.reason, None)


def _read_and_extract(task: tuple[Path, date | None]) -> PreparedArticle:
    """In a worker: one file read and its events extracted."""
    prepared = _read(*task)
    article = prepared.article
    if article is not None and content_hash(article) not in _worker_skip:
        prepared.extracted = extract_events(article.title, article.text, article.published, _worker_matcher)
    return prepared
