"""Helpers of the reliability tests (faults, concurrency): content snapshots, a small corpus,
and a fork server that starts `kb seed` processes in a fraction of a second.

Two databases that went through different histories (a seed run killed and rerun, four seed
runs at once) hold the same knowledge base when their content snapshots are equal: every
reference between rows is replaced by what it refers to (an alias by its entity's name,
evidence by its article's content hash), so that the ids each history gave do not matter.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from sqlmodel import Session, select

from kb.db import get_engine
from kb.models import (
    AIModel,
    Alias,
    Article,
    Event,
    EventModel,
    EventOrganization,
    EventPerson,
    EventSearch,
    Evidence,
    Organization,
    Person,
)
from tests.conftest import REPO, SEED_ARTICLES

# Reports of one event in two articles (merged while seeding), and an article without a
# publication date whose year is only inferred at the end of the run: every stage of a run.
_SMALL_CORPUS = (
    "2023-02-24-meta-llama.md",
    "2023-03-03-llama-weights-leak-4chan.html",
    "2023-07-18-llama-2-microsoft-partner.html",
    "2023-07-18-meta-microsoft-llama-2.txt",
    "2023-11-17-altman-fired-brockman-quits.html",
    "2023-11-17-openai-fires-altman.md",
    "2023-11-21-altman-back-at-openai.txt",
    "2023-11-21-openai-altman-returns.md",
)
_UNDATED = (
    "0000-undated-llama-2-leak.txt",
    "Веса Llama 2 утекли в сеть\nВеса модели Llama 2 компании Meta утекли 12 августа: архив выложили на форуме 4chan.\n",
)
SMALL_CORPUS_SIZE = len(_SMALL_CORPUS) + 1


def write_small_corpus(folder: Path) -> Path:
    """A corpus that seeds in about two seconds yet goes through every stage of a seed run."""
    folder.mkdir()
    for name in _SMALL_CORPUS:
        shutil.copy(SEED_ARTICLES / name, folder / name)
    (folder / _UNDATED[0]).write_text(_UNDATED[1], encoding="utf-8")
    return folder


def content_snapshot(url: str, date_provenance: bool = True) -> dict[str, list]:
    """Every row of the knowledge base as content, table by table, sorted (no ids, no times).

    ``date_provenance=False`` leaves out which report's words an event's date keeps («18 июля
    2023 года» or «накануне», and whether its year was inferred): of two reports with the same
    date, the first stored gives them, so they depend on the order articles were seeded in.
    """
    with Session(get_engine(url)) as session:
        orgs = {o.id: o for o in session.exec(select(Organization))}
        models = {m.id: m for m in session.exec(select(AIModel))}
        people = {p.id: p for p in session.exec(select(Person))}
        articles = {a.id: a for a in session.exec(select(Article))}

        def name(table, entity_id):
            return None if entity_id is None else table[entity_id].name

        links = defaultdict(list)
        for link in session.exec(select(EventModel)):
            links[link.event_id].append(("model", name(models, link.model_id)))
        for link in session.exec(select(EventOrganization)):
            links[link.event_id].append(("organization", name(orgs, link.organization_id), link.role.value))
        for link in session.exec(select(EventPerson)):
            links[link.event_id].append(("person", name(people, link.person_id), link.role.value))
        for evidence in session.exec(select(Evidence)):
            source = articles[evidence.article_id].content_hash
            links[evidence.event_id].append(("evidence", source, evidence.char_start, evidence.char_end, evidence.quote))
        # A search document as what it finds by: its texts and its lemmas, in any order (quotes
        # come in the order they were stored).
        documents = {
            event_id: (tuple(sorted(document.split("\n")[:-1])), tuple(sorted(document.split("\n")[-1].split())))
            for event_id, document in session.exec(select(EventSearch.event_id, EventSearch.document))
        }
        events = [
            (
                e.kind.value, e.title, e.date_start, e.date_end, e.precision, e.modifier, e.date_value,
                *((e.date_text, e.year_inferred, e.year_inference_reason) if date_provenance else ()),
                e.confidence, tuple(sorted(links[e.id], key=repr)), documents.get(e.id),
            )
            for e in session.exec(select(Event))
        ]
        aliases = [
            (a.text, a.key, name(orgs, a.organization_id), name(models, a.model_id), name(people, a.person_id))
            for a in session.exec(select(Alias))
        ]
        return {
            "article": sorted(
                (a.content_hash, a.title, a.url, a.file_name, a.source, a.language, a.published) for a in articles.values()
            ),
            "organization": sorted((o.name, o.kind.value, o.wikidata_id, o.reviewed) for o in orgs.values()),
            "ai_model": sorted(
                (m.name, name(models, m.family_id), name(orgs, m.developer_id), m.parameters, m.wikidata_id, m.reviewed)
                for m in models.values()
            ),
            "person": sorted((p.name, p.wikidata_id, p.reviewed) for p in people.values()),
            "alias": sorted(aliases, key=repr),
            "event": sorted(events, key=repr),
        }


def evidence_by_article(url: str) -> dict[str, set]:
    """Each stored article's evidence: content hash -> {(event kind, char_start, char_end, quote)}."""
    with Session(get_engine(url)) as session:
        found: dict[str, set] = {digest: set() for digest in session.exec(select(Article.content_hash))}
        rows = session.exec(
            select(Article.content_hash, Event.kind, Evidence.char_start, Evidence.char_end, Evidence.quote)
            .join(Evidence, Evidence.article_id == Article.id)
            .join(Event, Event.id == Evidence.event_id)
        )
        for digest, kind, start, end, quote in rows:
            found[digest].add((kind.value, start, end, quote))
        return found


# The fork server: imports kb and warms its models once, then forks a `kb seed` (kb.cli's app,
# exactly) per "start" request, output to a file, and answers its pid; it reaps a child only
# on a "reap" request, answering its wait status, so that a pid cannot be reused meanwhile.
_FORK_SERVER = r"""
import json, os, sys
from kb.cli import app
from kb.extract import extract_events
from kb.extract.matcher import EntityMatcher

extract_events("Meta выпустила LLaMA", "Компания Meta 24 февраля выпустила модель LLaMA.", None, EntityMatcher())
print("ready", flush=True)
for line in sys.stdin:
    request = json.loads(line)
    if request[0] == "reap":
        print(os.waitpid(request[1], 0)[1], flush=True)
        continue
    output, arguments = request[1], request[2:]
    pid = os.fork()
    if pid == 0:
        sink = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(sink, 1)
        os.dup2(sink, 2)
        try:
            app(arguments, prog_name="kb")
        except SystemExit as done:
            os._exit(done.code if isinstance(done.code, int) else 1)
        os._exit(0)
    print(pid, flush=True)
"""


class ForkServer:
    """Starts `kb seed` processes at once, and tells how each ended."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        env = os.environ | {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-c", _FORK_SERVER], cwd=REPO, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )
        assert self.process.stdout.readline().strip() == "ready"
        self.outputs: dict[int, Path] = {}

    def start(self, *arguments: str) -> int:
        """Start `kb ARGUMENTS...`; its pid."""
        output = self.workdir / f"kb-{len(self.outputs)}.out"
        pid = int(self._ask(["start", str(output), *arguments]))
        self.outputs[pid] = output
        return pid

    def reap(self, pid: int) -> tuple[int, str]:
        """Wait for a process started here to end: its wait status and its output."""
        status = int(self._ask(["reap", pid]))
        return status, self.outputs.pop(pid).read_text(encoding="utf-8", errors="replace")

    def _ask(self, request: list) -> str:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def exited(pid: int) -> bool:
    """Whether a child of the fork server has exited (a zombie, waiting to be reaped)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2] == "Z"


def differences(expected: dict, actual: dict) -> list[str]:
    """What two snapshots (``content_snapshot``, ``evidence_by_article``) hold that the other does not."""
    found = []
    for key in sorted(set(expected) | set(actual)):
        want, got = expected.get(key), actual.get(key)
        if want == got:
            continue
        if isinstance(want, (list, set)) and isinstance(got, (list, set)):
            found += [f"{key}: missing {row!r}" for row in sorted(set(want) - set(got), key=repr)]
            found += [f"{key}: extra {row!r}" for row in sorted(set(got) - set(want), key=repr)]
        else:
            found.append(f"{key}: expected {want!r}, found {got!r}")
    return found


def record_summary(test: str, **figures) -> None:
    """Append a test's figures to ``$KB_RELIABILITY_SUMMARY`` (JSON lines), when it is set: the
    README's table of hostile inputs and faults is made from them."""
    target = os.environ.get("KB_RELIABILITY_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as file:
            file.write(json.dumps({"test": test, **figures}, ensure_ascii=False, default=str) + "\n")
