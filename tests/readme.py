"""The README's examples, run: every command of its ``console`` blocks, and the output it prints.

tests/test_readme.py runs them and compares each output with the README's, ids, ports, uids
and timings masked. When what kb prints changes on purpose (extraction finds other events,
a table gains a column), rewrite the outputs in place and commit the result, as ``cog`` does:

    python -m tests.readme --update

A block is left alone when an HTML comment right above it says why (``<!-- not checked:
benchmark output, run by hand -->``). Commands run in bash, in a folder laid out like a
checkout (``seeds/`` and ``tests/`` of this repository, ``../shared/seeds/`` beside it), on a
database of their own (``KB_DATABASE_URL``). ``kb serve ... &`` starts the server on a free
port, which the commands after it reach as ``127.0.0.1:8000`` or ``localhost:8000``; any other
command ending in ``&`` runs in the background until the tour ends, and shows the lines it
prints on starting.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
DEFAULT_SHARED_SEEDS = REPO.parent / "shared" / "seeds"
DOCUMENTED_PORT = 8000
_NOT_CHECKED = re.compile(r"<!--\s*not checked:.*-->")
_SERVER = re.compile(r"^(?P<env>(?:\w+=\S+\s+)*)kb serve(?P<args>[^&]*)&\s*$")
_WIDTH = "160"  # columns for kb's tables, as wide as the README's
# What differs from one run to the next, or from one engine to the other: (pattern, mask).
_MASKS = [
    (re.compile(r'"(id|article_id|event_id|entity_id)":\s*\d+'), r'"\1": #'),
    (re.compile(r'"new_events":\s*\[[\d,\s]*\]'), '"new_events": [#]'),
    (re.compile(r"/(articles|events|models|organizations|people|sources)/\d+"), r"/\1/#"),
    (re.compile(r"\b(org|model|person):\d+"), r"\1:#"),
    (re.compile(r'"next":\s*"[A-Za-z0-9_-]+"'), '"next": "#"'),
    (re.compile(r"cursor=[A-Za-z0-9_-]+"), "cursor=#"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "UUID"),
    (re.compile(r'W/"[0-9a-f]+"'), 'W/"#"'),
    (re.compile(r"\b\d+(\.\d+)? ?(s|ms)\b"), "# s"),
    (re.compile(r"\b\d{8}T\d{6}Z\b"), "#T#Z"),
    (re.compile(r"\b\d{4}-\d\d-\d\d \d\d:\d\d UTC\b"), "#-#-# #:# UTC"),  # «last poll 2026-12-02 14:25 UTC»
]


@dataclass
class Command:
    """A command of a console block and the output the README shows for it (lines ``start`` to ``end``)."""

    text: str
    expected: list[str]
    start: int
    end: int
    actual: list[str] = field(default_factory=list)


@dataclass
class Block:
    line: int  # where the block opens
    commands: list[Command]


def console_blocks(lines: list[str]) -> list[Block]:
    """The README's checked console blocks, in order."""
    blocks, number = [], 0
    while number < len(lines):
        if lines[number].strip() != "```console":
            number += 1
            continue
        checked = not any(_NOT_CHECKED.search(lines[i]) for i in range(max(0, number - 2), number))
        opening, number = number, number + 1
        commands: list[Command] = []
        while lines[number].strip() != "```":
            if lines[number].startswith("$ "):
                text = lines[number][2:]
                while text.endswith("\\"):
                    number += 1
                    text += "\n" + lines[number]
                commands.append(Command(text, [], number + 1, number + 1))
            elif commands:
                commands[-1].expected.append(lines[number])
                commands[-1].end = number + 1
            number += 1
        if checked:
            blocks.append(Block(opening, commands))
        number += 1
    return blocks


def mask(lines: list[str]) -> list[str]:
    """Output lines with what varies between runs masked, trailing blanks dropped."""
    masked = []
    for line in lines:
        for pattern, replacement in _MASKS:
            line = pattern.sub(replacement, line)
        masked.append(line.rstrip())
    while masked and not masked[-1]:
        masked.pop()
    return masked


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Tour:
    """Runs commands as a reader would, one after the other, in one folder and on one database."""

    def __init__(self, workdir: Path, database_url: str, shared_seeds: Path):
        self.checkout = workdir / "kb"
        self.checkout.mkdir(parents=True)
        for name in ("seeds", "tests"):
            (self.checkout / name).symlink_to(REPO / name)
        (workdir / "shared").mkdir()
        (workdir / "shared" / "seeds").symlink_to(shared_seeds.resolve())
        path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
        self.env = {**os.environ, "PATH": path, "KB_DATABASE_URL": database_url, "COLUMNS": _WIDTH, "NO_COLOR": "1",
                    "TERM": "dumb", "PYTHONUNBUFFERED": "1"}
        self.server: subprocess.Popen | None = None
        self.background: list[subprocess.Popen] = []  # other commands started with «&»
        self.port = DOCUMENTED_PORT

    def run(self, command: str) -> list[str]:
        """The lines ``command`` prints, stdout and stderr as a terminal shows them."""
        served = _SERVER.match(command)
        if served:
            self._serve(served["env"], served["args"])
            return []
        if command.rstrip().endswith("&"):
            return self._start(command.rstrip()[:-1])
        command = re.sub(rf"\b(127\.0\.0\.1|localhost):{DOCUMENTED_PORT}\b", rf"\1:{self.port}", command)
        done = subprocess.run(["bash", "-c", command], cwd=self.checkout, env=self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=600)
        output = re.sub(rf"\b(127\.0\.0\.1|localhost):{self.port}\b", rf"\1:{DOCUMENTED_PORT}", done.stdout)
        return output.splitlines()

    def _serve(self, env: str, args: str) -> None:
        self.stop()
        self.port = _free_port()
        self.server = subprocess.Popen(
            ["bash", "-c", f"exec env {env} kb serve{args} --port {self.port}"], cwd=self.checkout, env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/models", timeout=5):
                    return
            except OSError:
                if self.server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"kb serve{args} did not start on port {self.port}") from None
                time.sleep(0.2)

    def _start(self, command: str) -> list[str]:
        """Start a command in the background, as «&» does; the lines it prints on starting."""
        log = self.checkout / f".background-{len(self.background)}.log"
        with log.open("w") as output:
            self.background.append(subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=self.checkout, env=self.env,
                                                    stdout=output, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 30
        while not log.read_text() and self.background[-1].poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.2)  # the rest of its first lines
        return log.read_text().splitlines()

    def stop(self) -> None:
        for process in self.background:
            process.terminate()
            process.wait(timeout=30)
        self.background = []
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=30)
            self.server = None


@contextmanager
def touring(database_url: str, shared_seeds: Path) -> Iterator[Tour]:
    """A tour in a temporary folder, its server stopped at the end."""
    workdir = Path(tempfile.mkdtemp(prefix="kb-readme-"))
    tour = Tour(workdir, database_url, shared_seeds)
    try:
        yield tour
    finally:
        tour.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def run_readme(database_url: str, shared_seeds: Path, text: str | None = None) -> list[Block]:
    """Every checked block of the README (or of ``text``), each command run and its output kept in ``actual``."""
    blocks = console_blocks((README.read_text(encoding="utf-8") if text is None else text).splitlines())
    with touring(database_url, shared_seeds) as tour:
        for block in blocks:
            for command in block.commands:
                command.actual = tour.run(command.text)
    return blocks


def updated(lines: list[str], blocks: list[Block]) -> list[str]:
    """The README's lines with every command's output replaced by what it printed."""
    for command in sorted((c for b in blocks for c in b.commands), key=lambda c: c.start, reverse=True):
        printed = [line.rstrip() for line in command.actual]
        while printed and not printed[-1]:
            printed.pop()
        lines[command.start:command.end] = printed
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.readme", description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="rewrite the README's outputs with what the commands print")
    parser.add_argument("--shared-seeds", type=Path, default=Path(os.environ.get("KB_SHARED_SEEDS", DEFAULT_SHARED_SEEDS)),
                        help="the folder holding the founding article (default: $KB_SHARED_SEEDS, else ../shared/seeds)")
    args = parser.parse_args()
    if not args.shared_seeds.is_dir():
        parser.error(f"{args.shared_seeds}: no such folder; the tour seeds the founding article from it")
    with tempfile.TemporaryDirectory(prefix="kb-readme-db-") as folder:
        blocks = run_readme(f"sqlite:///{folder}/kb.sqlite", args.shared_seeds)
    differing = [c for b in blocks for c in b.commands if mask(c.actual) != mask(c.expected)]
    for command in differing:
        print(f"README.md:{command.start + 1}: $ {command.text.splitlines()[0]}")
    if args.update:
        lines = README.read_text(encoding="utf-8").splitlines()
        README.write_text("\n".join(updated(lines, blocks)) + "\n", encoding="utf-8")
        print(f"rewrote the outputs of {len(differing)} commands" if differing else "every output was up to date")
        return 0
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
