"""The ``kb`` command: a thin layer over the library, like the API."""

from __future__ import annotations

import getpass
import json
import logging
import os
import sys
import tempfile
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlmodel import Session, select

from kb import backup, dates
from kb.articles import find_article_files
from kb.cli_feeds import DEFAULT_EVERY, feeds_app, fetch_command, parse_duration, watch_command
from kb.config import database_url, seeds_dir
from kb.db import get_engine, migrate, session_scope
from kb.evaluate import Corpus, evaluate_corpora, format_report, splits
from kb.editing import RecordNotFound
from kb.export import EXPORT_FORMATS, iter_csv
from kb.gold import GoldFileError
from kb.ingest import SeedReport, seed_paths
from kb.merging import EntityNameError, MergeError, list_entities, merge, resolve_pair
from kb.models import Article, EventKind
from kb.public import EventPublic
from kb.queries import QueryError, TimelineFilter, iter_timeline

app = typer.Typer(
    help="kb: a knowledge base of dated events in the AI industry, from Russian news articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
err = Console(stderr=True)


class TimelineFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class ExportFormat(str, Enum):
    csv = "csv"
    jsonl = "jsonl"
    timelinejs = "timelinejs"
    ics = "ics"


def _parse_date(value: Optional[str]) -> Optional[date]:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (expected YYYY-MM-DD)") from None


FromOption = Annotated[Optional[str], typer.Option("--from", metavar="YYYY-MM-DD", callback=_parse_date, help="Events that end on or after this date.")]
ToOption = Annotated[Optional[str], typer.Option("--to", metavar="YYYY-MM-DD", callback=_parse_date, help="Events that start on or before this date.")]
ModelOption = Annotated[list[str], typer.Option("--model", help="Model name or alias; includes its variants. Repeat for any of several.")]
OrgOption = Annotated[list[str], typer.Option("--org", help="Organization name or alias. Repeat for any of several.")]
PersonOption = Annotated[list[str], typer.Option("--person", help="Person's name or alias. Repeat for any of several.")]
QueryOption = Annotated[Optional[str], typer.Option("--q", help="Full-text search in titles and quotes («утечка» finds «утекли»).")]
KindOption = Annotated[list[EventKind], typer.Option("--kind", help="Event kind. Repeat for any of several.")]


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[Optional[str], typer.Option("--db", help="Database URL (default: $KB_DATABASE_URL, else sqlite:///kb.sqlite)")] = None,
) -> None:
    ctx.obj = database_url(db)


@app.command("migrate")
def migrate_command(ctx: typer.Context) -> None:
    """Create the database or bring its schema up to date."""
    migrate(ctx.obj)
    typer.echo(f"schema up to date: {ctx.obj}")


@app.command()
def seed(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Article files (.txt, .md, .html) and folders of them.")],
    published: Annotated[
        Optional[str], typer.Option(metavar="YYYY-MM-DD", callback=_parse_date, help="Publication date for files that carry none.")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes that read files and extract events (the database writer is one).")] = 1,
) -> None:
    """Ingest articles: one transaction each; files already stored are left as they are."""
    migrate(ctx.obj)
    report = _seed(ctx.obj, paths, published, workers)
    for path, reason in report.failed:
        typer.echo(f"error: {path}: {reason}", err=True)
    typer.echo(report.summary())
    if report.failed:
        raise typer.Exit(1)


def _seed(url: str, paths: list[Path], published: date | None, workers: int = 1) -> SeedReport:
    engine = get_engine(url)
    if not sys.stderr.isatty():
        return seed_paths(engine, paths, published, workers=workers)
    files = list(find_article_files(paths))
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("seeding", total=len(files))
        return seed_paths(engine, files, published, on_file=lambda path: progress.advance(task), workers=workers)


def _filters(
    models: list[str], orgs: list[str], kinds: list[EventKind], date_from, date_to, people: list[str], q: str | None
) -> TimelineFilter:
    try:
        return TimelineFilter(tuple(models), tuple(orgs), tuple(kinds), date_from, date_to, people=tuple(people), q=q)
    except QueryError as exc:
        raise typer.BadParameter(str(exc), param_hint=f"--{exc.param}") from None


@app.command("timeline")
def timeline_command(
    ctx: typer.Context,
    model: ModelOption = [],
    org: OrgOption = [],
    kind: KindOption = [],
    date_from: FromOption = None,
    date_to: ToOption = None,
    person: PersonOption = [],
    q: QueryOption = None,
    output_format: Annotated[TimelineFormat, typer.Option("--format")] = TimelineFormat.table,
) -> None:
    """Events in chronological order (unknown dates last)."""
    filters = _filters(model, org, kind, date_from, date_to, person, q)
    with Session(get_engine(ctx.obj)) as session:
        events = iter_timeline(session, filters)
        if output_format is TimelineFormat.csv:
            for chunk in iter_csv(events):
                sys.stdout.write(chunk)
        elif output_format is TimelineFormat.json:
            typer.echo(json.dumps([e.model_dump(mode="json") for e in events], ensure_ascii=False, indent=2))
        else:
            Console().print(_table(events))


def _table(events) -> Table:
    table = Table("date", "kind", "title", "models", "organizations", "sources")
    for event in events:
        table.add_row(_shown_date(event), event.kind.value, event.title, ", ".join(m.name for m in event.models),
                      ", ".join(f"{o.name} ({o.role.value})" for o in event.organizations), str(len(event.sources)))
    return table


def _shown_date(event: EventPublic) -> str:
    when = event.date
    if when.start is None:
        return when.text or "?"
    shown = when.start.isoformat() if when.start == when.end else f"{when.start}..{when.end}"
    return shown + (" *" if when.year_inferred else "")


@app.command("export")
def export_command(
    ctx: typer.Context,
    model: ModelOption = [],
    org: OrgOption = [],
    kind: KindOption = [],
    date_from: FromOption = None,
    date_to: ToOption = None,
    person: PersonOption = [],
    q: QueryOption = None,
    output_format: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.csv,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="File to write (default: standard output)")] = None,
) -> None:
    """Export a timeline: CSV (RFC 4180, UTF-8), JSON Lines, a TimelineJS spreadsheet or iCalendar."""
    filters = _filters(model, org, kind, date_from, date_to, person, q)
    with Session(get_engine(ctx.obj)) as session:
        chunks = EXPORT_FORMATS[output_format.value].write_timeline(session, filters)
        if output is None:
            for chunk in chunks:
                sys.stdout.write(chunk)
            return
        with output.open("w", encoding="utf-8", newline="") as file:
            file.writelines(chunks)
    typer.echo(f"wrote {output}", err=True)


@app.command("dump")
def dump_command(
    ctx: typer.Context,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="File to write (default: standard output)")] = None,
) -> None:
    """Write the whole knowledge base as JSON Lines, one row a line, for `kb restore`."""
    with Session(get_engine(ctx.obj)) as session:
        if output is None:
            counts = backup.dump(session, sys.stdout)
        else:
            with output.open("w", encoding="utf-8", newline="\n") as file:
                counts = backup.dump(session, file)
    typer.echo(f"dumped {sum(counts.values())} rows" + (f" to {output}" if output else ""), err=True)


@app.command("restore")
def restore_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A file written by `kb dump`.")],
) -> None:
    """Load a dump into an empty knowledge base (migrated first); a database holding anything is refused."""
    migrate(ctx.obj)
    try:
        with path.open(encoding="utf-8") as file, session_scope(get_engine(ctx.obj)) as session:
            counts = backup.restore(session, file)
    except (OSError, UnicodeDecodeError, backup.RestoreError) as exc:
        typer.echo(f"error: {path}: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"restored {sum(counts.values())} rows from {path}")


@app.command("eval")
def eval_command(
    gold: Annotated[Optional[Path], typer.Argument(help="Folder of gold files (*.yaml) to score instead of the splits.")] = None,
    articles: Annotated[Optional[Path], typer.Option(help="Corpus GOLD annotates (default: the bundled seeds/articles).")] = None,
    split: Annotated[Optional[list[str]], typer.Option(help="Split to score: blind, dev (repeatable; default: both, blind first).")] = None,
    min_f1: Annotated[Optional[float], typer.Option(help="Exit with status 1 when a scored event F1 is below this.")] = None,
) -> None:
    """Seed each corpus into a scratch database and score the events found against its gold files."""
    if gold is not None:
        scored = {str(gold): (Corpus(articles or seeds_dir() / "articles", gold),)}
    else:
        known = splits()
        names = split or ["blind", "dev"]
        unknown = [name for name in names if name not in known]
        if unknown:
            err.print(f"error: unknown split {unknown[0]!r} (known: {', '.join(known)})", markup=False)
            raise typer.Exit(2)
        scored = {name: known[name] for name in names}
    below = []
    for name, corpora in scored.items():
        with tempfile.TemporaryDirectory(prefix="kb-eval-") as workdir:
            try:
                result = evaluate_corpora(corpora, Path(workdir))
            except GoldFileError as exc:
                err.print(f"error: {exc}", markup=False)
                raise typer.Exit(1) from None
        if gold is None:
            typer.echo(f"== {name} split: {', '.join(str(c.articles) for c in corpora)}")
        typer.echo(format_report(result))
        typer.echo("")
        if min_f1 is not None and result.overall.f1 < min_f1:
            below.append(f"{name}: event F1 {result.overall.f1:.3f} is below {min_f1}")
    for line in below:
        err.print(line, markup=False)
    if below:
        raise typer.Exit(1)


@app.command("date")
def date_command(
    text: Annotated[str, typer.Argument(help="A Russian date expression, e.g. «3 марта» or «в начале марта».")],
    ref: Annotated[Optional[str], typer.Option(metavar="YYYY-MM-DD", callback=_parse_date, help="Reference (publication) date.")] = None,
) -> None:
    """Resolve a date expression and print it as JSON (null when it is not a date)."""
    resolved = dates.resolve_date(text, ref)
    typer.echo(json.dumps(resolved.to_dict() if resolved else None, ensure_ascii=False, indent=2))


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    watch: Annotated[bool, typer.Option("--watch", help="Also poll every followed feed (`kb feeds add`), in the background.")] = False,
    every: Annotated[str, typer.Option(metavar="DURATION", help="With --watch: time between polls (30s, 15m, 1h).")] = DEFAULT_EVERY,
) -> None:
    """Serve the API; migrates first, and seeds the bundled corpus into an empty database."""
    import uvicorn

    from api.main import create_app
    from kb.feeds.polling import FeedWatcher

    interval = parse_duration(every)
    migrate(ctx.obj)
    engine = get_engine(ctx.obj)
    with Session(engine) as session:
        empty = session.exec(select(Article.id).limit(1)).first() is None
    if empty:
        report = _seed(ctx.obj, [seeds_dir() / "articles"], None)
        typer.echo(f"seeded {len(report.stored)} bundled articles ({report.events_created} events)", err=True)
    watcher = FeedWatcher(engine, interval) if watch else None
    if watcher is not None:
        _log_feed_polls()
    uvicorn.run(create_app(ctx.obj, feed_watcher=watcher), host=host, port=port)


def _log_feed_polls() -> None:
    """Send the feed watcher's lines (the ``kb.feeds`` loggers) to stderr, as uvicorn shows its own."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
    logger = logging.getLogger("kb.feeds")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


app.command("fetch")(fetch_command)
app.command("watch")(watch_command)
app.add_typer(feeds_app, name="feeds")


# --- entities --------------------------------------------------------------------------------

entities_app = typer.Typer(help="Organizations, models and people: list them, merge duplicates.", no_args_is_help=True)
app.add_typer(entities_app, name="entities")


def _cli_actor() -> str:
    """The name the audit trail records for a change made from the command line: cli:$USER."""
    try:
        user = os.environ.get("USER") or getpass.getuser()
    except (KeyError, OSError):  # no such variable and no password entry (some containers)
        user = "unknown"
    return f"cli:{user}"


@entities_app.command("merge")
def entities_merge_command(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(metavar="A", help="The entity kept: a name, an alias, or org:ID, model:ID, person:ID.")],
    drop: Annotated[str, typer.Argument(metavar="B", help="The entity merged into A and then deleted.")],
) -> None:
    """Merge B into A: A gets every alias and event link of B, and B is deleted (audited)."""
    with session_scope(get_engine(ctx.obj)) as session:
        try:
            kind, keep_id, drop_id = resolve_pair(session, keep, drop)
            kept = merge(session, kind, keep_id, drop_id, _cli_actor())
        except (EntityNameError, RecordNotFound, MergeError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"merged {kind.prefix}:{drop_id} into {kind.prefix}:{keep_id} ({kept.name})")


@entities_app.command("list")
def entities_list_command(
    ctx: typer.Context,
    unreviewed: Annotated[bool, typer.Option("--unreviewed", help="Only entities learned from articles, not yet reviewed.")] = False,
) -> None:
    """Organizations, models and people, with the references (org:ID ...) that kb entities merge takes."""
    table = Table("ref", "name", "reviewed", "aliases", "events")
    with Session(get_engine(ctx.obj)) as session:
        for entity in list_entities(session, unreviewed_only=unreviewed):
            table.add_row(f"{entity.kind.prefix}:{entity.id}", entity.name, "yes" if entity.reviewed else "no",
                          str(entity.aliases), str(entity.events))
    Console().print(table)
