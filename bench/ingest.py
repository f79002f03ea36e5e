"""Ingestion throughput: the bundled corpus replicated to N articles, seeded into a fresh SQLite database.

Run as ``python bench/ingest.py [--articles 5000] [--workers N] [--quick] [--profile]``. The
articles of ``seeds/articles`` (.txt, .md and .html) are copied round-robin into a temporary
folder until there are N files, each copy ending with a sentence of its own («Служебная
отметка редакции: экземпляр № 00042.») so that every file has a different content hash. The
sentence names no entity, trigger or date, so a copy reports the same events as its original
(tests/test_bench_ingest.py checks it); here the first copy of each article is checked to
read as the original plus that sentence. The folder is then seeded twice, each time into a
fresh database and by a fresh process: by ``kb.ingest.seed_paths``, what ``kb seed`` runs
(the baseline, one process), and by ``kb.ingest.seed_paths(..., workers=N)`` with N worker
processes. It prints articles per second, the ratio, CPU time per article (which, unlike
the wall clock, other programs on the machine do not inflate), peak memory (``ru_maxrss``)
of the seeding process and of its largest worker, and the rows each run stored (equal). Last,
in one process, the CPU per article of kb's extraction against natasha's own segmentation,
morphology, syntax and NER on the same articles (what kb adds to the models it runs).

``--profile`` instead seeds the corpus serially under cProfile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import os
import pstats
import resource
import sqlite3
import sys
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from kb.articles import find_article_files, read_article
from kb.config import seeds_dir
from kb.db import get_engine, migrate
from kb.ingest import seed_paths

CORPUS = seeds_dir() / "articles"
DEFAULT_ARTICLES = 5000
QUICK_ARTICLES = 300
GOAL = 20.0  # articles per second with --workers 2 on 2 cores (issue 12)
CPU_GOAL = 1.5  # kb's extraction CPU per article at most this many times natasha's own pipeline's
CPU_SAMPLE = 300  # articles whose extraction is timed against natasha's
COUNTED_TABLES = ("article", "event", "evidence")
# Functions whose cumulative time --profile reports: (label, file suffix, function name).
PROFILED_STEPS = [
    ("seeding, in all", "kb/ingest.py", "seed_paths"),
    ("reading files (trafilatura for .html)", "kb/articles.py", "read_article"),
    ("extract_events", "kb/extract/pipeline.py", "extract_events"),
    ("  sentences and words", "kb/extract/parsing.py", "split_sentences"),
    ("  natasha morphology and syntax", "kb/extract/parsing.py", "parse_sentences"),
    ("  natasha NER", "kb/extract/parsing.py", "tag_names"),
    ("  names learned (models, people, organizations)", "kb/extract/pipeline.py", "learn_names"),
    ("  entities, triggers, dates", "kb/extract/mentions.py", "annotate_sentences"),
    ("    find_dates", "kb/dates/resolve.py", "find_dates"),
    ("    triggers by lemma", "kb/lexicon.py", "triggers"),
    ("    known entities by alias", "kb/extract/matcher.py", "find"),
    ("  mentions into events", "kb/extract/clusters.py", "cluster_mentions"),
]


def variant_sentence(number: int) -> str:
    """The closing sentence that makes copy ``number`` differ: no entity, trigger or date in it."""
    return f"Служебная отметка редакции: экземпляр № {number:05d}."


def with_sentence(path: Path, content: str, sentence: str) -> str:
    """The file ``content`` with ``sentence`` as the last paragraph of its article text."""
    if path.suffix in (".html", ".htm"):
        # After the last paragraph of the story, which is where trafilatura's text ends.
        story_end = content.find("</article>")
        at = content.rfind("</p>", 0, story_end if story_end != -1 else len(content)) + len("</p>")
        return f"{content[:at]}\n<p>{sentence}</p>{content[at:]}"
    return f"{content.rstrip()}\n\n{sentence}\n"


def write_corpus(directory: Path, count: int) -> list[Path]:
    """``count`` article files in ``directory``: the bundled ones round-robin, each with its own sentence.

    Names start with the running number, so a folder seeds in the order written.
    """
    originals = list(find_article_files([CORPUS]))
    paths = []
    for number in range(count):
        original = originals[number % len(originals)]
        path = directory / f"{number:05d}-{original.name}"
        content = original.read_text(encoding="utf-8")
        path.write_text(with_sentence(original, content, variant_sentence(number)), encoding="utf-8")
        paths.append(path)
    return paths


def check_copies(paths: list[Path]) -> None:
    """Fail unless each first copy reads as its original plus the sentence, and nothing else."""
    for path in paths[: len(list(find_article_files([CORPUS])))]:
        original = read_article(CORPUS / path.name.split("-", 1)[1])
        copy = read_article(path)
        sentence = variant_sentence(int(path.name.split("-", 1)[0]))
        middle = copy.text[len(original.text) : -len(sentence)]
        if not (copy.text.startswith(original.text) and copy.text.endswith(sentence) and not middle.strip()):
            raise SystemExit(f"{path.name}: the copy's text is not the original's plus {sentence!r}")
        if (copy.title, copy.published) != (original.title, original.published):
            raise SystemExit(f"{path.name}: the copy's headline or date differs from the original's")


@dataclass
class Run:
    workers: int
    seconds: float
    rows: dict[str, int]
    failed: int
    parent_cpu: float  # CPU seconds of the seeding process while it seeded
    workers_cpu: float  # of its workers, all together
    parent_mib: float  # peak resident memory of the seeding process
    worker_mib: float  # of its largest worker process (0 when there is none)


def seed_once(folder: Path, workers: int) -> Run:
    """Seed ``folder`` into a fresh database (in this process, a fresh one); the timing and what it stored."""
    warnings.filterwarnings("ignore")
    url = f"sqlite:///{folder.parent / f'kb-{workers}-workers.sqlite'}"
    migrate(url)
    engine = get_engine(url)
    started, parent_cpu, workers_cpu = time.perf_counter(), _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    report = seed_paths(engine, [folder], workers=workers)
    seconds = time.perf_counter() - started
    parent_cpu = _cpu(resource.RUSAGE_SELF) - parent_cpu
    workers_cpu = _cpu(resource.RUSAGE_CHILDREN) - workers_cpu
    with engine.connect() as connection:
        rows = {t: connection.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in COUNTED_TABLES}
    engine.dispose()
    # ru_maxrss is in KiB on Linux; RUSAGE_CHILDREN is the largest child waited for.
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return Run(workers, seconds, rows, len(report.failed), parent_cpu, workers_cpu, parent, worker)


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def measure(folder: Path, workers: int) -> Run:
    """``seed_once`` in a process of its own, so that its peak memory is its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as executor:
        return executor.submit(seed_once, folder, workers).result()


def extraction_cpu(paths: list[Path]) -> tuple[float, float]:
    """CPU milliseconds per article of ``extract_events`` and of natasha's own segment, morphology,
    syntax and NER (a ``Doc`` of the headline and of the text), on the same articles, in this
    process, models loaded and caches warm before the clocks start."""
    warnings.filterwarnings("ignore")
    from natasha import Doc, NewsEmbedding, NewsMorphTagger, NewsNERTagger, NewsSyntaxParser, Segmenter
    from sqlmodel import Session

    from kb.extract import extract_events
    from kb.extract.matcher import EntityMatcher
    from kb.gazetteer import sync_gazetteer

    url = f"sqlite:///{paths[0].parent.parent / 'kb-extraction.sqlite'}"
    migrate(url)
    with Session(get_engine(url)) as session:
        sync_gazetteer(session)
        session.commit()
        matcher = EntityMatcher.from_session(session)
    articles = [read_article(path) for path in paths]
    embedding = NewsEmbedding()
    segmenter, morph, syntax, ner = Segmenter(), NewsMorphTagger(embedding), NewsSyntaxParser(embedding), NewsNERTagger(embedding)

    def natasha(article) -> None:
        for text in (article.title, article.text):
            doc = Doc(text)
            doc.segment(segmenter)
            doc.tag_morph(morph)
            doc.parse_syntax(syntax)
            doc.tag_ner(ner)

    def kb(article) -> None:
        extract_events(article.title, article.text, article.published, matcher)

    timings = []
    for run in (kb, natasha):
        for article in articles[:50]:  # warm-up: models, caches
            run(article)
        started = time.process_time()
        for article in articles:
            run(article)
        timings.append((time.process_time() - started) * 1000 / len(articles))
    return timings[0], timings[1]


def print_extraction_cpu(paths: list[Path]) -> None:
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as executor:
        kb_ms, natasha_ms = executor.submit(extraction_cpu, paths).result()
    ratio = kb_ms / natasha_ms
    print(f"extraction CPU per article on {len(paths)} of them: kb.extract {kb_ms:.1f} ms, natasha's segment+morph+syntax+NER "
          f"{natasha_ms:.1f} ms -> {ratio:.2f}x (goal <= {CPU_GOAL}x: {'met' if ratio <= CPU_GOAL else 'not met'})")


def print_runs(count: int, runs: list[Run]) -> bool:
    """Print the comparison table, the rows stored and whether the goal is met; whether the rows agree."""
    baseline = count / runs[0].seconds
    print(f"{'run':<24}{'seconds':>9}{'articles/s':>12}{'ratio':>7}"
          f"{'CPU ms/article: seeder + workers':>35}{'peak MiB: seeder, largest worker':>35}")
    for run in runs:
        name = "1 process (seed_paths)" if run.workers == 1 else f"{run.workers} workers (parallel)"
        rate = count / run.seconds
        cpu = f"{run.parent_cpu * 1000 / count:.0f} + {run.workers_cpu * 1000 / count:.0f}"
        memory = f"{run.parent_mib:.0f}, " + (f"{run.worker_mib:.0f}" if run.workers > 1 else "-")
        print(f"{name:<24}{run.seconds:>9.1f}{rate:>12.1f}{rate / baseline:>6.2f}x{cpu:>35}{memory:>35}")
    rows = ", ".join(f"{table} {n}" for table, n in runs[0].rows.items())
    same = all(run.rows == runs[0].rows for run in runs)
    failed = sum(run.failed for run in runs)
    print(f"rows stored: {rows}; {'the same in every run' if same else 'DIFFERENT: ' + repr([r.rows for r in runs])}; "
          f"files that failed: {failed}")
    best = max(count / run.seconds for run in runs)
    print(f"goal >= {GOAL:.0f} articles/s: {'met' if best >= GOAL else 'not met'} (best {best:.1f} articles/s)")
    return same


def profile(folder: Path, top: int) -> None:
    """Seed ``folder`` serially under cProfile and print the cumulative time of each step."""
    warnings.filterwarnings("ignore")
    url = f"sqlite:///{folder.parent / 'kb-profile.sqlite'}"
    migrate(url)
    profiler = cProfile.Profile()
    profiler.runcall(seed_paths, get_engine(url), [folder])
    stats = pstats.Stats(profiler).stats
    total = next(ct for (file, _, name), (_, _, _, ct, _) in stats.items() if file.endswith("kb/ingest.py") and name == "seed_paths")
    print(f"{'step (cumulative; nested steps indented)':<50}{'calls':>8}{'seconds':>9}{'share':>7}")
    seconds_of = {}
    for label, suffix, function in PROFILED_STEPS:
        found = [(nc, ct) for (file, _, name), (_, nc, _, ct, _) in stats.items() if file.endswith(suffix) and name == function]
        calls, seconds = (sum(nc for nc, _ in found), max((ct for _, ct in found), default=0.0))
        seconds_of[function] = seconds
        print(f"{label:<50}{calls:>8}{seconds:>9.2f}{seconds / total:>7.0%}")
    rest = total - seconds_of["read_article"] - seconds_of["extract_events"]
    print(f"{'all but reading and extract_events':<50}{'':>8}{rest:>9.2f}{rest / total:>7.0%}")
    print(f"\ntop {top} functions by own time:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main() -> None:
    """Write the corpus, seed it serially and in parallel, print the comparison (or the profile)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=None, help=f"articles to seed (default {DEFAULT_ARTICLES})")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="worker processes (default: the CPU count)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ARTICLES} articles, for a smoke test")
    parser.add_argument("--profile", action="store_true", help="profile serial seeding instead of benchmarking")
    args = parser.parse_args()
    count = args.articles or (QUICK_ARTICLES if args.quick else DEFAULT_ARTICLES)
    if args.workers < 2:
        parser.error("--workers: at least 2, the baseline being one process")
    with tempfile.TemporaryDirectory(prefix="kb-bench-ingest-") as temporary:
        folder = Path(temporary) / "articles"
        folder.mkdir()
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        paths = write_corpus(folder, count)
        check_copies(paths)
        size = sum(p.stat().st_size for p in paths) / 2**20
        originals = len(list(find_article_files([CORPUS])))
        print(f"Corpus: {count} articles ({originals} bundled ones, each copy with a distinct closing sentence), "
              f"{size:.1f} MiB, written in {time.perf_counter() - started:.1f} s; {os.cpu_count()} CPUs; "
              f"SQLite {sqlite3.sqlite_version}")
        print()
        if args.profile:
            profile(folder, top=20)
            return
        runs = [measure(folder, 1), measure(folder, args.workers)]
        same = print_runs(count, runs)
        print_extraction_cpu(paths[:CPU_SAMPLE])
        print(f"load average (1 min) before and after: {load_before:.1f}, {os.getloadavg()[0]:.1f}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
