"""``kb entities``: list organizations, models and people, merge duplicates (audited)."""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from kb.cli_options import DbOption, command_database
from kb.db import get_engine, session_scope
from kb.editing import RecordNotFound
from kb.merging import EntityNameError, MergeError, list_entities, merge, resolve_pair

entities_app = typer.Typer(
    help="Organizations, models and people: list them, merge duplicates.", no_args_is_help=True, rich_markup_mode=None
)


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
    db: DbOption = None,
) -> None:
    """Merge B into A: A gets every alias and event link of B, and B is deleted (audited)."""
    with session_scope(get_engine(command_database(ctx, db))) as session:
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
    db: DbOption = None,
) -> None:
    """Organizations, models and people, with the references (org:ID ...) that kb entities merge takes."""
    table = Table("ref", "name", "reviewed", "aliases", "events")
    with Session(get_engine(command_database(ctx, db))) as session:
        for entity in list_entities(session, unreviewed_only=unreviewed):
            table.add_row(f"{entity.kind.prefix}:{entity.id}", entity.name, "yes" if entity.reviewed else "no",
                          str(entity.aliases), str(entity.events))
    Console().print(table)
