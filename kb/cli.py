"""The ``kb`` command: a thin layer over the library, like the API.

Every command that uses the knowledge base takes ``--db URL``, before or after its name; a
database that cannot be used is one line of error naming it (``kb.database_errors``).
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlmodel import Session, select
from typer.core import TyperArgument, TyperGroup

from kb import backup, dates
from kb.articles import find_article_files
from kb.cli_feeds import DEFAULT_EVERY, feeds_app, fetch_command, parse_duration, watch_command
from kb.cli_entities import entities_app
from kb.cli_options import (
    DATABASE_KEY,
    DbOption,
    ExcelOption,
    ExportFormatName,
    FromOption,
    KindOption,
    LimitOption,
    MinConfidenceOption,
    ModelOption,
    NamedArgument,
    Order,
    OrderOption,
    OrgOption,
    PersonOption,
    QueryOption,
    TimelineFormat,
    ToOption,
    command_database,
    parse_date,
    parse_publication_date,
    show_version,
)
from kb.config import database_url, repository_dir, seeds_dir
from kb.database_errors import DatabaseUnusable, database_problem
from kb.db import get_engine, migrate, session_scope
from kb.evaluate import Corpus, evaluate_corpora, format_report, splits
from kb.export import EXPORT_FORMATS
from kb.export_csv import CsvFormat
from kb.gold import GoldFileError
from kb.ingest import SeedReport, seed_paths
from kb.models import Article
from kb.public import EventPublic
from kb.queries import QueryError, TimelineFilter, event_kinds, iter_timeline, listed


class _Commands(TyperGroup):
    """kb's commands, which answer a database they cannot use with one line naming it, not a traceback."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        commands = list(self.commands.values())
        while commands:
            command = commands.pop()
            commands += getattr(command, "commands", {}).values()
            for param in command.params:
                if type(param) is TyperArgument:
                    param.__class__ = NamedArgument  # typer.Argument takes no class of its own

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except (DatabaseUnusable, sa.exc.DBAPIError) as exc:
            problem = exc if isinstance(exc, DatabaseUnusable) else database_problem(ctx.meta.get(DATABASE_KEY, ctx.obj), exc)
            if problem is None:
                raise
            typer.echo(f"error: {problem}", err=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_Commands,
    help="kb: a knowledge base of dated events in the AI industry, from Russian news articles.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # plain help: option values by name (NAME, URL), not by Python type
    pretty_exceptions_show_locals=False,
)
err = Console(stderr=True)


@app.callback()
def main(
    ctx: typer.Context,
    db: DbOption = None,
    version: Annotated[bool, typer.Option("--version", callback=show_version, is_eager=True, help="Show kb's version and exit.")] = False,
) -> None:
    ctx.obj = database_url(db)


@app.command("migrate")
def migrate_command(ctx: typer.Context, db: DbOption = None) -> None:
    """Create the database or bring its schema up to date."""
    url = command_database(ctx, db)
    migrate(url)
    typer.echo(f"schema up to date: {url}")


@app.command()
def seed(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(metavar="PATH", help="Article files (.txt, .md, .html) and folders of them.")],
    published: Annotated[
        Optional[str],
        typer.Option(metavar="YYYY-MM-DD", callback=parse_publication_date, help="Publication date for files that carry none."),
    ] = None,
    workers: Annotated[
        int, typer.Option(metavar="N", min=1, help="Processes that read files and extract events (the database writer is one).")
    ] = 1,
    db: DbOption = None,
) -> None:
    """Ingest articles: one transaction each; files already stored are left as they are."""
    url = command_database(ctx, db)
    migrate(url)
    report = _seed(url, paths, published, workers)
    for path, reason in report.failed:
        typer.echo(f"error: {path}: {reason}", err=True)
    for skipped in report.dates_not_applied:
        typer.echo(
            f"note: {skipped.path}: stored already, published {skipped.stored or 'on no date given'}; "
            f"the date {skipped.given or '(none)'} is not applied (an article is stored once, by its headline and text)",
            err=True,
        )
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
    models: list[str],
    orgs: list[str],
    kinds: list[str],
    date_from: date | None,
    date_to: date | None,
    people: list[str],
    q: str | None,
    min_confidence: float | None,
    order: Order,
) -> TimelineFilter:
    """The filters of ``kb timeline`` and ``kb export``, read as the API reads its parameters."""
    try:
        return TimelineFilter(
            listed(models), listed(orgs), event_kinds(kinds), date_from, date_to, people=listed(people), q=q,
            min_confidence=min_confidence, newest_first=order is Order.desc,
        )
    except QueryError as exc:
        raise typer.BadParameter(str(exc), param_hint=f"--{exc.param.replace('_', '-')}") from None


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
    min_confidence: MinConfidenceOption = None,
    order: OrderOption = Order.asc,
    limit: LimitOption = None,
    output_format: Annotated[TimelineFormat, typer.Option("--format", metavar="table|json|csv", help="How to print it.")] = TimelineFormat.table,
    excel: ExcelOption = False,
    db: DbOption = None,
) -> None:
    """Events in chronological order (unknown dates last), as a table, JSON or CSV."""
    filters = _filters(model, org, kind, date_from, date_to, person, q, min_confidence, order)
    if excel and output_format is not TimelineFormat.csv:
        raise typer.BadParameter("applies to --format csv only", param_hint="--excel")
    with Session(get_engine(command_database(ctx, db))) as session:
        if output_format is TimelineFormat.table:
            events = list(iter_timeline(session, filters, limit=limit))
            if events:
                Console().print(_table(events))
                typer.echo(f"{len(events)} event" + ("" if len(events) == 1 else "s"))
            else:
                typer.echo("no events match")
            return
        export = EXPORT_FORMATS[output_format.value]
        for chunk in (export.excel() if excel else export).write_timeline(session, filters, limit):
            sys.stdout.write(chunk)


def _table(events: list[EventPublic]) -> Table:
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
    min_confidence: MinConfidenceOption = None,
    order: OrderOption = Order.asc,
    limit: LimitOption = None,
    output_format: Annotated[
        ExportFormatName, typer.Option("--format", metavar="csv|json|jsonl|timelinejs|ics", help="The file's format.")
    ] = ExportFormatName.csv,
    excel: ExcelOption = False,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", metavar="FILE", help="File to write (default: standard output).")] = None,
    db: DbOption = None,
) -> None:
    """Export a timeline: CSV (RFC 4180, UTF-8), JSON, JSON Lines, a TimelineJS spreadsheet or iCalendar."""
    filters = _filters(model, org, kind, date_from, date_to, person, q, min_confidence, order)
    export = EXPORT_FORMATS[output_format.value]
    if excel:
        if not isinstance(export, CsvFormat):
            raise typer.BadParameter("applies to --format csv and timelinejs only", param_hint="--excel")
        export = export.excel()
    with Session(get_engine(command_database(ctx, db))) as session:
        chunks = export.write_timeline(session, filters, limit)
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
    output: Annotated[Optional[Path], typer.Option("-o", "--output", metavar="FILE", help="File to write (default: standard output).")] = None,
    db: DbOption = None,
) -> None:
    """Write the whole knowledge base as JSON Lines, one row a line, for `kb restore`."""
    with Session(get_engine(command_database(ctx, db))) as session:
        if output is None:
            counts = backup.dump(session, sys.stdout)
        else:
            with output.open("w", encoding="utf-8", newline="\n") as file:
                counts = backup.dump(session, file)
    typer.echo(f"dumped {sum(counts.values())} rows" + (f" to {output}" if output else ""), err=True)


@app.command("restore")
def restore_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(metavar="FILE", help="A file written by `kb dump`.")],
    db: DbOption = None,
) -> None:
    """Load a dump into an empty knowledge base (migrated first); a database holding anything is refused."""
    url = command_database(ctx, db)
    migrate(url)
    try:
        with path.open(encoding="utf-8") as file, session_scope(get_engine(url)) as session:
            counts = backup.restore(session, file)
    except (OSError, UnicodeDecodeError, backup.RestoreError) as exc:
        typer.echo(f"error: {path}: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"restored {sum(counts.values())} rows from {path}")


@app.command("eval")
def eval_command(
    gold: Annotated[
        Optional[Path], typer.Argument(metavar="GOLD", help="Folder of gold files (*.yaml) to score instead of the splits.")
    ] = None,
    articles: Annotated[
        Optional[Path], typer.Option(metavar="FOLDER", help="Corpus GOLD annotates (default: the bundled seeds/articles).")
    ] = None,
    split: Annotated[
        Optional[list[str]], typer.Option(metavar="NAME", help="Split to score: blind, dev (repeatable; default: both, blind first).")
    ] = None,
    min_f1: Annotated[Optional[float], typer.Option(metavar="F", help="Exit with status 1 when a scored event F1 is below this.")] = None,
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
            typer.echo(f"== {name} split: {', '.join(_shown_path(c.articles) for c in corpora)}")
        typer.echo(format_report(result))
        typer.echo("")
        if min_f1 is not None and result.overall.f1 < min_f1:
            below.append(f"{name}: event F1 {result.overall.f1:.3f} is below {min_f1}")
    for line in below:
        err.print(line, markup=False)
    if below:
        raise typer.Exit(1)


def _shown_path(path: Path) -> str:
    """A path of the checkout as the README shows it: relative to the checkout."""
    try:
        return str(path.relative_to(repository_dir()))
    except ValueError:
        return str(path)


@app.command("date")
def date_command(
    text: Annotated[str, typer.Argument(metavar="TEXT", help="A Russian date expression, e.g. «3 марта» or «в начале марта».")],
    ref: Annotated[Optional[str], typer.Option(metavar="YYYY-MM-DD", callback=parse_date, help="Reference (publication) date.")] = None,
) -> None:
    """Resolve a date expression and print it as JSON (null when it is not a date)."""
    resolved = dates.resolve_date(text, ref)
    typer.echo(json.dumps(resolved.to_dict() if resolved else None, ensure_ascii=False, indent=2))


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(metavar="ADDRESS", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help="Port to listen on.")] = 8000,
    watch: Annotated[bool, typer.Option("--watch", help="Also poll every followed feed (`kb feeds add`), in the background.")] = False,
    every: Annotated[str, typer.Option(metavar="DURATION", help="With --watch: time between polls (30s, 15m, 1h).")] = DEFAULT_EVERY,
    db: DbOption = None,
) -> None:
    """Serve the page and the API; migrates first, and seeds the bundled corpus into an empty database."""
    import uvicorn

    from api.main import create_app
    from kb.feeds.polling import FeedWatcher

    interval = parse_duration(every)
    url = command_database(ctx, db)
    migrate(url)
    engine = get_engine(url)
    with Session(engine) as session:
        empty = session.exec(select(Article.id).limit(1)).first() is None
    if empty:
        report = _seed(url, [seeds_dir() / "articles"], None)
        typer.echo(f"seeded {len(report.stored)} bundled articles ({report.events_created} events)", err=True)
    watcher = FeedWatcher(engine, interval) if watch else None
    if watcher is not None:
        _log_feed_polls()
    uvicorn.run(create_app(url, feed_watcher=watcher), host=host, port=port)


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


app.add_typer(entities_app, name="entities")
