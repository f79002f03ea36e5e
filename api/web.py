"""The web pages: the timeline drawn by year and month with its filters and search, and one
source article with its quotes marked. Server-rendered with Jinja2 (autoescaped), no JavaScript.

Unlike the JSON API, a page is forgiving: empty form fields mean "no filter", and a bad
parameter shows the page with a message (status 400) instead of a problem document.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import QueryParams

from api.deps import SessionDep
from kb import pages, queries
from kb.date_labels import date_label
from kb.models import EventKind
from kb.public import DatePublic
from kb.queries import MAX_LIMIT, QueryError, TimelineFilter
from kb.search import MAX_QUERY_WORDS

PAGE_SIZE = 50
_FILTERS = ("model", "org", "person", "kind", "from", "to")  # the query parameters of the filters form
_HERE = Path(__file__).resolve().parent

router = APIRouter(include_in_schema=False)
static_files = StaticFiles(directory=_HERE / "static")
templates = Jinja2Templates(directory=_HERE / "templates")

# kb's own query errors, by parameter, in the page's language.
_QUERY_ERRORS = {
    "from": "Дата «с» позже даты «по».",
    "cursor": "Ссылка на следующую страницу не подходит к этому запросу. Начните с первой страницы.",
    "limit": f"Число событий на странице должно быть от 1 до {MAX_LIMIT}.",
    "q": f"В поисковом запросе должно быть от 1 до {MAX_QUERY_WORDS} слов.",
}
# HTML's <time datetime> takes a date, a month, a year or a week; other values are shown without it.
_HTML_DATETIME = re.compile(r"\d{4}(-\d{2}(-\d{2})?|-W\d{2})?")


class _BadParameter(ValueError):
    """A query parameter the page cannot read; the message is shown to the reader."""


def _html_datetime(when: DatePublic) -> str | None:
    value = when.value or ""
    return value if when.modifier is None and _HTML_DATETIME.fullmatch(value) else None


def _query_string(params: list[tuple[str, str]]) -> str:
    return "?" + urlencode(params) if params else ""


def _timeline_url(params: list[tuple[str, str]]) -> str:
    return "/" + _query_string(params)


templates.env.globals.update(
    kind_label=pages.kind_label,
    date_label=date_label,
    html_datetime=_html_datetime,
    participants=pages.participants,
    quote_anchor=pages.quote_anchor,
    timeline_url=lambda **params: _timeline_url(list(params.items())),
    kinds=[(kind.value, pages.kind_label(kind)) for kind in EventKind],
)


def _values(params: QueryParams, name: str) -> list[str]:
    # A submitted form sends its empty fields too; they filter nothing.
    return [value.strip() for value in params.getlist(name) if value.strip()]


def _date(params: QueryParams, name: str, label: str) -> date | None:
    values = _values(params, name)
    if not values:
        return None
    try:
        return date.fromisoformat(values[0])
    except ValueError:
        raise _BadParameter(f"Дата «{label}» должна иметь вид ГГГГ-ММ-ДД, а не «{values[0]}».") from None


def _timeline_filter(params: QueryParams) -> TimelineFilter:
    """The filter a query string asks for (raises _BadParameter or QueryError)."""
    kinds = []
    for value in _values(params, "kind"):
        try:
            kinds.append(EventKind(value))
        except ValueError:
            raise _BadParameter(f"Неизвестный тип события «{value}».") from None
    return TimelineFilter(
        models=tuple(_values(params, "model")),
        organizations=tuple(_values(params, "org")),
        people=tuple(_values(params, "person")),
        kinds=tuple(kinds),
        date_from=_date(params, "from", "с"),
        date_to=_date(params, "to", "по"),
        q=" ".join(_values(params, "q")) or None,
    )


def _limit(params: QueryParams) -> int:
    values = _values(params, "limit")
    if not values:
        return PAGE_SIZE
    try:
        return int(values[0])
    except ValueError:
        raise _BadParameter(_QUERY_ERRORS["limit"]) from None


@router.get("/", response_class=HTMLResponse)
def timeline_page(request: Request, session: SessionDep) -> HTMLResponse:
    """The timeline, grouped by year and month, a page at a time, with filters and search."""
    params = request.query_params
    kept = [(name, value.strip()) for name, value in params.multi_items() if name != "cursor" and value.strip()]
    form = {name: _values(params, name) for name in ("q", *_FILTERS)}
    context = {
        "form": form,
        "searched": any(form.values()),
        "filtered": any(form[name] for name in _FILTERS),
        "names": pages.entity_names(session),
        "csv_url": "/timeline.csv" + _query_string([p for p in kept if p[0] != "limit"]),
        "years": [],
        "next_url": None,
        "first_page_url": _timeline_url(kept) if params.get("cursor") else None,
        "error": None,
    }
    try:
        page = queries.timeline(session, _timeline_filter(params), _limit(params), params.get("cursor") or None)
    except _BadParameter as exc:
        context["error"] = str(exc)
    except QueryError as exc:
        context["error"] = _QUERY_ERRORS.get(exc.param, f"Неверный параметр «{exc.param}»: {exc}")
    else:
        context["years"] = pages.timeline_years(page.items)
        if page.next:
            context["next_url"] = _timeline_url([*kept, ("cursor", page.next)])
    status = 400 if context["error"] else 200
    return templates.TemplateResponse(request, "timeline.html", context, status_code=status)


@router.get("/sources/{article_id}", response_class=HTMLResponse)
def source_page(request: Request, session: SessionDep, article_id: int) -> HTMLResponse:
    """One source article: its text with the quotes marked, and the events it supports."""
    article = pages.article_page(session, article_id)
    if article is None:
        return templates.TemplateResponse(
            request, "not_found.html", {"what": f"Статьи с номером {article_id} нет."}, status_code=404
        )
    link = article.url if article.url and article.url.startswith(("https://", "http://")) else None
    return templates.TemplateResponse(request, "source.html", {"article": article, "link": link})
