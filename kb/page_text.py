"""An article's text as people save it: copied from a browser page or a wire, furniture and all.

A saved page starts with menu words, a breadcrumb, the headline, a dateline («13.05.2024
[21:40]», «11 июня 2024, 09:15», «18 мар 2024 в 10:05») and a byline, and ends with tags,
share buttons, «Подписывайтесь …», «Читать в полной версии» and a list of other stories'
headlines; a wire puts its dateline in the first sentence («МОСКВА, 2 сен — Интерфакс.»); a
text pasted without its headline starts straight with the story.

``read_page_text`` finds the story in such a text:

- the body starts at the first paragraph: a line that ends a sentence and has some words;
- the headline is the best line above it (words, a verb, length) that is no dateline, byline
  or furniture; with nothing above the body, the text has no headline and its first sentence
  stands for one;
- the publication date is the dateline nearest the headline, else the wire's dateline; a
  wire's day without a year takes the first year that is not before what the story tells;
- furniture lines are left out of the body (lines that are no sentence: buttons, tags,
  captions, other stories' headlines); paragraphs are kept verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from razdel import sentenize

from kb.dates import find_dateline, find_dates, interval_for_value
from kb.names import morph_analyzer

# A paragraph ends a sentence: a period or an ellipsis, maybe inside quotes or brackets.
_ENDS_SENTENCE = re.compile(r"[.…!?][»\"”)\]]*$")
_ENDS_STATEMENT = re.compile(r"[.…][»\"”)\]]*$")
PARAGRAPH_WORDS = 5  # a line ending a sentence with this many words starts the body
LONG_LINE_WORDS = 25  # a line this long is a paragraph whatever it ends with
HEADLINE_WORDS = 3
# Lines a page carries around its story, never part of it.
_FURNITURE = re.compile(
    r"^(?:читать в полной версии|подписывайтесь\b.*|поделиться:?|скопировать ссылку|копировать ссылку"
    r"|комментари[иейя]\b.*|\d+\s+комментари.*|теги:.*|рубрики:.*|хабы:.*|постоянный url:.*|источник изображения:.*"
    r"|фото:.*|иллюстрация:.*|если вы заметили ошибку.*|©.*|реклама|18\+|войти|поиск|ещё новости|все новости)$",
    re.IGNORECASE,
)
# Headings of lists of other stories: what follows them, up to the next paragraph, is theirs.
_OTHER_STORIES = re.compile(
    r"^(?:читайте также|похожие новости|материалы по теме|читают сейчас|ещё по теме|новости по теме"
    r"|другие новости|популярное|самое читаемое|по теме|новости партн[её]ров):?$",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^(?:автор|текст|фото|редактор|источник)\s*:", re.IGNORECASE)
# A preposition that makes the date after it a deadline or a term («до 1 июля 2024 года»).
_DEADLINE = re.compile(r"(?:^|\s)(?:до|к|по|на период до)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class PageText:
    title: str
    body: str
    published: date | None


def read_page_text(content: str) -> PageText:
    """The headline, the story and the publication date of a text saved from a page or a wire.

    >>> page = read_page_text("Хабр\\nНовости\\n18 мар 2024 в 10:05\\nxAI открыла веса Grok-1\\n"
    ...                       "Компания xAI в воскресенье опубликовала веса модели Grok-1.\\nТеги: xai, grok")
    >>> page.title, page.body, page.published
    ('xAI открыла веса Grok-1', 'Компания xAI в воскресенье опубликовала веса модели Grok-1.', datetime.date(2024, 3, 18))
    """
    lines = [line.strip() for line in content.split("\n")]
    first = next((i for i, line in enumerate(lines) if _is_paragraph(line)), None)
    if first is None:
        # No line reads as a paragraph: the first line is the headline, the rest the story.
        nonblank = [line for line in lines if line]
        return PageText(nonblank[0] if nonblank else "", "\n".join(nonblank[1:]), None)
    header = [line for line in lines[:first] if line]
    body = story_lines(lines[first:])
    headline_index = _headline_index(header)
    if headline_index is None:
        title = _first_sentence(body[0]) if body else ""
    else:
        title = header[headline_index]
    published = _header_date(header, headline_index) or _wire_date(body[0] if body else "", "\n".join(body))
    if published is not None and published > date.today():
        published = None  # a misread: a page is not published after the day it is read
    return PageText(title, "\n".join(body), published)


def story_lines(lines: list[str]) -> list[str]:
    """The lines of a page's story: paragraphs, without the furniture and other stories' headlines.

    When no line reads as a sentence (a note, a test), every nonblank line is the story.
    """
    kept = []
    in_other_stories = False
    for line in lines:
        if not line:
            continue
        if _OTHER_STORIES.match(line):
            in_other_stories = True
            continue
        if in_other_stories and not _is_paragraph(line):
            continue
        in_other_stories = False
        if _FURNITURE.match(line) or not _reads_as_text(line):
            continue
        kept.append(line)
    return kept or [line for line in lines if line]


def page_dateline(lines: list[str], headline: str | None = None) -> date | None:
    """The publication date among a page's visible lines: the dateline nearest its headline."""
    header = [line.strip() for line in lines if line.strip()]
    index = next((i for i, line in enumerate(header) if headline and line == headline.strip()), None)
    return _header_date(header, index)


def _is_paragraph(line: str) -> bool:
    words = len(line.split())
    return (words >= PARAGRAPH_WORDS and bool(_ENDS_STATEMENT.search(line))) or words >= LONG_LINE_WORDS


def _reads_as_text(line: str) -> bool:
    # A story's line is a sentence; a line that ends none is a button, a tag list, a caption,
    # a heading or another story's headline.
    return bool(_ENDS_SENTENCE.search(line)) or len(line.split()) >= LONG_LINE_WORDS


def _headline_index(header: list[str]) -> int | None:
    candidates = [
        i
        for i, line in enumerate(header)
        if not _dateline_date(line) and not _BYLINE.match(line) and not _FURNITURE.match(line) and not _OTHER_STORIES.match(line)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda i: (len(header[i].split()) >= HEADLINE_WORDS, _has_verb(header[i]), len(header[i])))


def _has_verb(line: str) -> bool:
    analyzer = morph_analyzer()
    return any(analyzer.parse(word)[0].tag.POS in ("VERB", "PRTS") for word in re.findall(r"[а-яё]+", line.lower()))


def _header_date(header: list[str], headline_index: int | None) -> date | None:
    dated = [(i, when) for i, line in enumerate(header) if (when := _dateline_date(line))]
    if not dated:
        return None
    if headline_index is None:
        return dated[-1][1]
    # The dateline follows the headline on most sites; a date above it may be the site's «today».
    after = [when for i, when in dated if i > headline_index]
    return after[0] if after else dated[-1][1]


def _dateline_date(line: str) -> date | None:
    """The day a line gives when the line is a dateline (``kb.dates.find_dateline``) with its year."""
    if line.lower().startswith("сегодня"):
        return None  # the site's «today»: the day the page was saved, not published
    when = find_dateline(line)
    return when.start if when is not None and when.start is not None else None


def _wire_date(first_line: str, story: str) -> date | None:
    """A wire's dateline in the story's first line; a day without a year takes the year the story allows."""
    when = find_dateline(first_line)
    if when is None:
        return None
    return when.start or _year_for_day(when.value, story)


def _year_for_day(value: str, story: str) -> date | None:
    """A wire's «2 сен» (``XXXX-09-02``) in a year the story allows: not before the latest day it
    tells as past, not after the earliest deadline it sets («до 1 июля 2024 года»); the latest
    such year when a deadline bounds it, else the first (news follows its background soon)."""
    dates = [d for d in find_dates(story, None) if d.start is not None and not d.year_inferred]
    deadlines = [d.start for d in dates if _DEADLINE.search(story[: d.span[0]])]
    told = [d.end for d in dates if d.end <= date.today() and not _DEADLINE.search(story[: d.span[0]])]
    if not told:
        return None
    latest, limit = max(told), min(deadlines, default=None)
    days = [
        interval[0]
        for year in range(latest.year, (limit.year if limit else latest.year + 1) + 1)
        if (interval := interval_for_value(f"{year}{value[4:]}")) is not None
        and latest <= interval[0] <= min(limit or date.max, date.today())
    ]
    if not days:
        return None
    return days[-1] if limit else days[0]


def _first_sentence(paragraph: str) -> str:
    return next((s.text for s in sentenize(paragraph)), paragraph)
