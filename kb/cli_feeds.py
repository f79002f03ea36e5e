"""The ``kb fetch``, ``kb watch`` and ``kb feeds`` commands: a thin layer over ``kb.feeds``.

``kb.cli`` registers them beside its own commands; ``parse_duration`` is shared with
``kb serve --watch``.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import time
from datetime import datetime, timezone
from typing import Annotated, Optional

import typer
from sqlmodel import Session

from kb.cli_options import DbOption, command_database
from kb.db import get_engine, migrate, session_scope
from kb.ingest import in_transaction
from kb.feeds.fetching import Fetcher, FetchSettings
from kb.feeds.followed import FeedSummary, FeedUrlError, feed_summaries, follow_feed, unfollow_feed
from kb.feeds.pages import PageResult, fetch_pages
from kb.feeds.polling import FeedPoll, poll_feeds, watch
from kb.models import FeedStatus

DEFAULT_EVERY = "15m"
_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?")


def parse_duration(text: str) -> float:
    """Seconds in a duration such as ``15m``, ``1h30m``, ``45s`` or ``90`` (seconds).

    >>> parse_duration("1h30m"), parse_duration("15m"), parse_duration("90")
    (5400.0, 900.0, 90.0)
    """
    match = _DURATION.fullmatch(text.strip().lower())
    if not text.strip() or match is None or not any(match.groups()):
        raise typer.BadParameter(f"{text!r} is not a duration (expected e.g. 30s, 15m, 1h or 1h30m)")
    hours, minutes, seconds = (float(part or 0) for part in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total < 1:
        raise typer.BadParameter(f"{text!r}: at least one second between polls")
    return total


TimeoutOption = Annotated[float, typer.Option(min=0.1, help="Seconds to wait for a server to connect, and between bytes.")]
DelayOption = Annotated[float, typer.Option(min=0, help="Seconds between two requests to the same host (robots.txt may ask more).")]
RetriesOption = Annotated[int, typer.Option(min=0, help="Tries again of a request that failed in a way that may pass (no answer, 429, 5xx).")]
EveryOption = Annotated[str, typer.Option(metavar="DURATION", help="Time between polls: 30s, 15m, 1h, 1h30m.")]


def _settings(timeout: float, delay: float, retries: int) -> FetchSettings:
    return FetchSettings(timeout=timeout, delay=delay, attempts=retries + 1)


def fetch_command(
    ctx: typer.Context,
    urls: Annotated[list[str], typer.Argument(metavar="URL...", help="Article pages (http or https).")],
    published: Annotated[
        Optional[datetime], typer.Option(formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="Publication date for pages that carry none.")
    ] = None,
    timeout: TimeoutOption = 20.0,
    delay: DelayOption = 1.0,
    retries: RetriesOption = 2,
    db: DbOption = None,
) -> None:
    """Download article pages and store each (story, headline, date), one transaction each."""
    database = command_database(ctx, db)
    migrate(database)
    with Fetcher(_settings(timeout, delay, retries)) as fetcher:
        report = fetch_pages(get_engine(database), urls, fetcher, published.date() if published else None, _echo_page)
    typer.echo(report.summary())
    if report.failed:
        raise typer.Exit(1)


def _echo_page(result: PageResult) -> None:
    if result.error is not None:
        typer.echo(f"error: {result.url}: {result.error}", err=True)
    elif result.stored:
        ingested = result.ingested
        typer.echo(f"stored {result.url} as article {result.article_id} (events: {len(ingested.created)} new, "
                   f"{len(ingested.merged) + ingested.consolidated} merged)")
    else:
        typer.echo(f"unchanged {result.url}: stored already as article {result.article_id}")


def watch_command(
    ctx: typer.Context,
    urls: Annotated[Optional[list[str]], typer.Argument(metavar="[FEED_URL]...", help="Feeds to follow and poll (default: every followed feed).")] = None,
    every: EveryOption = DEFAULT_EVERY,
    once: Annotated[bool, typer.Option("--once", help="Poll once and exit: 1 if a feed or a page failed.")] = False,
    timeout: TimeoutOption = 20.0,
    delay: DelayOption = 1.0,
    retries: RetriesOption = 2,
    db: DbOption = None,
) -> None:
    """Poll RSS/Atom feeds and store their new articles: once, or every DURATION until interrupted.

    Feeds given are followed from now on (`kb feeds list` shows them); without any, every
    followed feed is polled, those added meanwhile included.
    """
    database = command_database(ctx, db)
    interval = parse_duration(every)
    migrate(database)
    engine = get_engine(database)
    feed_ids = _follow(engine, urls) if urls else None
    if feed_ids is None:
        with Session(engine) as session:
            if not feed_summaries(session):
                typer.echo("error: no feeds followed: give FEED_URL, or add one with `kb feeds add URL`", err=True)
                raise typer.Exit(1)
    with Fetcher(_settings(timeout, delay, retries)) as fetcher:
        if once:
            polls = poll_feeds(engine, fetcher, feed_ids, on_feed=_echo_poll)
            if any(poll.status is FeedStatus.failed or poll.failed for poll in polls):
                raise typer.Exit(1)
            return
        typer.echo(f"polling {'every followed feed' if feed_ids is None else f'{len(feed_ids)} feeds'} every {every} (Ctrl-C stops)", err=True)
        try:
            watch(engine, fetcher, interval, feed_ids, on_feed=lambda poll: _echo_poll(poll, timestamped=True))
        except KeyboardInterrupt:
            typer.echo("stopped", err=True)


def _follow(engine, urls: list[str]) -> list[int]:
    try:
        return [_followed(engine, url)[0] for url in urls]
    except FeedUrlError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _followed(engine, url: str) -> tuple[int, str, bool]:
    """(id, URL, whether new) of the feed at ``url``, followed in a transaction of its own that
    takes the storing lock: two commands following one feed at once make one feed."""

    def follow(session: Session) -> tuple[int, str, bool]:
        feed, new = follow_feed(session, url)
        return feed.id, feed.url, new

    return in_transaction(engine, follow)


def _echo_poll(poll: FeedPoll, timestamped: bool = False) -> None:
    prefix = time.strftime("[%Y-%m-%d %H:%M:%S] ") if timestamped else ""
    typer.echo(prefix + poll.describe())
    for url, reason in poll.failed:
        typer.echo(f"{prefix}error: {url}: {reason}", err=True)
    sys.stdout.flush()


# --- kb feeds --------------------------------------------------------------------------------

feeds_app = typer.Typer(help="The feeds `kb watch` follows: add, list, remove.", no_args_is_help=True)


@feeds_app.command("add")
def feeds_add_command(
    ctx: typer.Context,
    urls: Annotated[list[str], typer.Argument(metavar="FEED_URL...", help="RSS or Atom feeds (http or https).")],
    db: DbOption = None,
) -> None:
    """Follow feeds: `kb watch` (and `kb serve --watch`) will poll them."""
    database = command_database(ctx, db)
    migrate(database)
    failed = False
    for url in urls:
        try:
            feed_id, followed_url, new = _followed(get_engine(database), url)
            typer.echo(f"{'following' if new else 'already following'} {followed_url} (feed {feed_id})")
        except FeedUrlError as exc:
            typer.echo(f"error: {exc}", err=True)
            failed = True
    if failed:
        raise typer.Exit(1)


@feeds_app.command("list")
def feeds_list_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per feed, a line each.")] = False,
    db: DbOption = None,
) -> None:
    """The followed feeds: last poll, its status, and the articles each brought."""
    database = command_database(ctx, db)
    with Session(get_engine(database)) as session:
        summaries = feed_summaries(session)
    if as_json:
        for feed in summaries:
            typer.echo(json.dumps(_feed_json(feed), ensure_ascii=False))
        return
    if not summaries:
        typer.echo("no feeds followed (kb feeds add URL)")
    for feed in summaries:
        typer.echo(f"feed {feed.id}: {feed.url}" + (f" ({feed.title})" if feed.title else ""))
        poll = "never polled" if feed.polled_at is None else f"last poll {_when(feed.polled_at)} UTC: {_status(feed.status, feed.error, feed.retrying)}"
        typer.echo(f"  {poll}; {feed.articles} {'article' if feed.articles == 1 else 'articles'} from {feed.entries} entries")


def _feed_json(feed: FeedSummary) -> dict:
    shown = dataclasses.asdict(feed)
    shown.update(
        added_at=feed.added_at.isoformat(),
        polled_at=feed.polled_at.isoformat() if feed.polled_at else None,
        status=feed.status.value if feed.status else None,
    )
    return shown


def _status(status: FeedStatus, error: str | None, retrying: int) -> str:
    shown = {FeedStatus.ok: "ok", FeedStatus.not_modified: "not modified", FeedStatus.failed: f"failed: {error}"}[status]
    return shown + (f"; {retrying} {'entry' if retrying == 1 else 'entries'} to try again" if retrying else "")


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    return moment.replace(tzinfo=moment.tzinfo or timezone.utc).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


@feeds_app.command("remove")
def feeds_remove_command(
    ctx: typer.Context,
    feed: Annotated[str, typer.Argument(metavar="FEED", help="The feed's URL, or its id in `kb feeds list`.")],
    db: DbOption = None,
) -> None:
    """Stop following a feed and forget its entries; the articles it brought stay."""
    database = command_database(ctx, db)
    try:
        with session_scope(get_engine(database)) as session:
            removed = unfollow_feed(session, feed)
            typer.echo(f"stopped following {removed.url} (feed {removed.id}); its articles stay")
    except FeedUrlError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None

