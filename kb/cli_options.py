"""What the ``kb`` command's options are and how their values are read: shared by its commands.

Values are shown by name in help (``--model NAME``, ``--db URL``), never by Python type.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated, Optional

import typer
from typer.core import TyperArgument

from kb import __version__
from kb.articles import publication_date_problem
from kb.config import database_url
from kb.database_errors import check_database_url
from kb.models import EventKind

DATABASE_KEY = "kb.database"  # where ``command_database`` leaves the URL a command uses, in ``ctx.meta``


class NamedArgument(TyperArgument):
    """An argument as help shows it: by its name alone (``PATH...``), not by its Python type (``<list[Path]>``)."""

    def display_type_rich(self, ctx: typer.Context) -> None:
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")


class TimelineFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class ExportFormatName(str, Enum):
    csv = "csv"
    json = "json"
    jsonl = "jsonl"
    timelinejs = "timelinejs"
    ics = "ics"


class Order(str, Enum):
    asc = "asc"
    desc = "desc"


def parse_date(value: Optional[str]) -> Optional[date]:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (expected YYYY-MM-DD)") from None


def parse_publication_date(value: Optional[str]) -> Optional[date]:
    published = parse_date(value)
    problem = publication_date_problem(published) if published is not None else None
    if problem:
        raise typer.BadParameter(problem)
    return published


def show_version(value: bool) -> None:
    if value:
        typer.echo(f"kb {__version__}")
        raise typer.Exit()


_KINDS = ", ".join(kind.value for kind in EventKind)
_ANY = "Repeat, or separate by commas, for any of several."
DbOption = Annotated[
    Optional[str],
    typer.Option("--db", metavar="URL", help="Database URL (default: $KB_DATABASE_URL, else sqlite:///kb.sqlite).", show_default=False),
]
FromOption = Annotated[Optional[str], typer.Option("--from", metavar="YYYY-MM-DD", callback=parse_date, help="Events that end on or after this date.")]
ToOption = Annotated[Optional[str], typer.Option("--to", metavar="YYYY-MM-DD", callback=parse_date, help="Events that start on or before this date.")]
ModelOption = Annotated[list[str], typer.Option("--model", metavar="NAME", help=f"Model name or alias; includes its variants. {_ANY}")]
OrgOption = Annotated[list[str], typer.Option("--org", metavar="NAME", help=f"Organization name or alias. {_ANY}")]
PersonOption = Annotated[list[str], typer.Option("--person", metavar="NAME", help=f"Person's name, alias or surname («Альтман»). {_ANY}")]
QueryOption = Annotated[Optional[str], typer.Option("--q", metavar="WORDS", help="Full-text search in titles and quotes («утечка» finds «утекли»).")]
KindOption = Annotated[list[str], typer.Option("--kind", metavar="KIND", help=f"Event kind: {_KINDS}. {_ANY}")]
MinConfidenceOption = Annotated[
    Optional[float], typer.Option("--min-confidence", metavar="0..1", min=0, max=1, help="Events extracted with at least this confidence.")
]
OrderOption = Annotated[Order, typer.Option("--order", metavar="asc|desc", help="Oldest first (asc) or newest first (desc); unknown dates last.")]
LimitOption = Annotated[Optional[int], typer.Option("--limit", metavar="N", min=1, help="At most N events, the first in the timeline's order.")]
ExcelOption = Annotated[
    bool, typer.Option("--excel", help="CSV for Excel in a Russian locale: a UTF-8 byte-order mark, ';' between cells, a decimal comma.")
]


def command_database(ctx: typer.Context, db: str | None) -> str:
    """The database a command uses: its own ``--db``, else the one given before the command's name.

    Raises ``DatabaseUnusable`` when the URL names no database kb can use.
    """
    url = database_url(db) if db else ctx.obj
    check_database_url(url)
    ctx.meta[DATABASE_KEY] = url
    return url
