"""A synthetic knowledge base of any size, through the real schema, for the benchmarks.

``build_database`` migrates a fresh SQLite file, loads the gazetteer and a few dozen people,
and inserts events in bulk (SQLAlchemy core inserts, a batch at a time) with their links,
articles, evidence and search documents (``event_search``; the FTS5 index follows by its
triggers). The spread is meant to look like Russian AI news: dates from 2012 on, more every
year, most of them to the day; kinds, models and organizations drawn with a long tail (GPT-4
and OpenAI often, most of the gazetteer rarely), a model's developer as the subject; titles
from ``kb.extract.titles``; one to three events per article and a quarter of the events
reported again by a later article, each quote naming the participants, a trigger word and the
date as written. A fixed seed makes every run the same.
"""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from kb.dates import Precision
from kb.dates.model import month_end
from kb.db import get_engine, migrate, session_scope
from kb.extract.matcher import EntityMatcher
from kb.extract.titles import event_title
from kb.gazetteer import sync_gazetteer
from kb.models import (
    AIModel, Alias, Article, Event, EventKind, EventModel, EventOrganization, EventPerson, EventSearch, Evidence,
    Organization, OrganizationKind, Person, Role,
)
from kb.names import alias_key
from kb.search import event_document
from kb.stored_json import refresh_public_json

BATCH = 5_000  # events generated and inserted at a time
SEED = 20230303

KIND_WEIGHTS = {
    EventKind.release: 24, EventKind.announcement: 14, EventKind.investment: 11, EventKind.partnership: 9,
    EventKind.regulation: 8, EventKind.personnel: 8, EventKind.other: 8, EventKind.acquisition: 6,
    EventKind.lawsuit: 6, EventKind.leak: 6,
}
# Quotes an article might carry, by kind; «{when}» is the date as written.
QUOTES = {
    EventKind.release: ["{when} {org} выпустила модель {model}, которая стала доступна всем пользователям.",
                        "{org} {when} представила {model}: модель уже открыта через API.",
                        "Релиз {model} состоялся {when}, сообщили в {org}."],
    EventKind.announcement: ["{when} {org} анонсировала {model}, выход которой ожидается позже.",
                             "{org} {when} объявила о работе над {model}."],
    EventKind.leak: ["{when} веса модели {model} утекли в сеть: архив появился на {platform}.",
                     "Исходный код {model} компании {org} {when} оказался в открытом доступе на {platform}.",
                     "{when} случилась утечка {model}, данные слили на {platform}, пишет {reporter}."],
    EventKind.investment: ["{when} {investor} инвестировала {amount} млн долларов в {target}.{about}",
                           "{target} {when} привлекла {amount} млн долларов от {investor} в новом раунде финансирования."],
    EventKind.acquisition: ["{when} {org} купила {target} за {amount} млн долларов.",
                            "{org} {when} объявила о приобретении компании {target}."],
    EventKind.lawsuit: ["{when} {org} подала в суд на {target} из-за нарушения авторских прав.{about}",
                        "Иск против {target} {when} подала {org}, сообщает {reporter}."],
    EventKind.regulation: ["{when} {regulator} оштрафовал {target} на {amount} млн евро.",
                           "{regulator} {when} запретил сервис компании {target}.{about}"],
    EventKind.partnership: ["{when} {org} и {partner} заключили соглашение о сотрудничестве.",
                            "{org} {when} объявила о партнёрстве с {partner}.{about}"],
    EventKind.personnel: ["{when} {person} покинул пост в {org}.",
                          "{person} {when} был назначен руководителем направления ИИ в {org}."],
    EventKind.other: ["{when} {org} провела конференцию для разработчиков.{about}",
                      "{when} на мероприятии {org} рассказали о планах компании.{about}"],
}
PEOPLE = [
    "Сэм Альтман", "Илья Суцкевер", "Мира Мурати", "Грег Брокман", "Дарио Амодеи", "Даниэла Амодеи", "Демис Хассабис",
    "Мустафа Сулейман", "Янн Лекун", "Марк Цукерберг", "Сатья Наделла", "Сундар Пичаи", "Дженсен Хуанг", "Илон Маск",
    "Андрей Карпатый", "Артур Менш", "Эмад Мостак", "Аравинд Шринивас", "Лян Вэньфэн", "Аркадий Волож",
    "Тигран Худавердян", "Герман Греф", "Андрей Белевцев", "Джеффри Хинтон", "Йошуа Бенджио", "Фей-Фей Ли",
    "Эндрю Ын", "Кевин Скотт", "Брэд Смит", "Джон Шульман", "Ян Лейке", "Ноам Шазир", "Алекс Ван",
]
FAVOURITE_MODELS = ["GPT-4", "ChatGPT", "LLaMA", "Gemini", "Claude", "GPT-4o", "YandexGPT", "GigaChat", "Llama 2",
                    "Mistral 7B", "DeepSeek-R1", "Sora", "Stable Diffusion", "Grok", "Qwen", "Kandinsky"]
FAVOURITE_ORGS = ["OpenAI", "Google", "Meta", "Microsoft", "Anthropic", "Yandex", "Sber", "NVIDIA", "Google DeepMind",
                  "Mistral AI", "xAI", "DeepSeek", "Apple", "Amazon", "Baidu", "Alibaba"]
SITES = ["3dnews.ru", "habr.com", "cnews.ru", "rbc.ru", "vc.ru", "kommersant.ru", "tass.ru"]
GENITIVE = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
            "ноября", "декабря"]
PREPOSITIONAL = ["январе", "феврале", "марте", "апреле", "мае", "июне", "июле", "августе", "сентябре", "октябре",
                 "ноябре", "декабре"]
YEARS = list(range(2012, 2026))
YEAR_WEIGHTS = list(accumulate(1.45 ** (y - YEARS[0]) for y in YEARS))  # ever more news about AI


class LongTail:
    """Draws items with Zipf-like weights: the first few often, the rest rarely."""

    def __init__(self, items: list, exponent: float = 1.1):
        self.items = items
        self.weights = list(accumulate(1 / (rank + 1) ** exponent for rank in range(len(items))))

    def draw(self, rng: random.Random):
        return rng.choices(self.items, cum_weights=self.weights)[0]


@dataclass
class World:
    """The entities events are drawn from, and what the titles need to know of them."""

    matcher: EntityMatcher
    models: LongTail
    orgs: LongTail
    by_kind: dict[OrganizationKind, LongTail]
    people: LongTail
    names: dict[tuple[str, int], str]

    def name(self, table: str, entity_id: int) -> str:
        return self.names[table, entity_id]


def _popular_first(rows: list[tuple[int, str]], favourites: list[str], rng: random.Random) -> list[int]:
    known = {name: i for i, name in rows}
    rest = [i for i, name in rows if name not in favourites]
    rng.shuffle(rest)
    return [known[name] for name in favourites if name in known] + rest


def create_world(engine: sa.Engine, rng: random.Random) -> World:
    """The gazetteer and a few dozen people in the knowledge base, ranked by how often they make news."""
    with session_scope(engine) as session:
        sync_gazetteer(session)
        for name in PEOPLE:
            person = Person(name=name, reviewed=False)
            session.add(person)
            session.flush()
            session.add(Alias(text=name, key=alias_key(name), person_id=person.id))
    with Session(engine) as session:
        matcher = EntityMatcher.from_session(session)
        orgs = session.exec(select(Organization.id, Organization.name, Organization.kind).order_by(Organization.id)).all()
        models = session.exec(select(AIModel.id, AIModel.name).order_by(AIModel.id)).all()
        people = session.exec(select(Person.id, Person.name).order_by(Person.id)).all()
    by_kind = {kind: LongTail([i for i, _, k in orgs if k == kind]) for kind in OrganizationKind}
    names = {**{("org", i): n for i, n, _ in orgs}, **{("model", i): n for i, n in models}, **{("person", i): n for i, n in people}}
    return World(
        matcher,
        LongTail(_popular_first(models, FAVOURITE_MODELS, rng)),
        LongTail(_popular_first([(i, n) for i, n, _ in orgs], FAVOURITE_ORGS, rng)),
        by_kind,
        LongTail([i for i, _ in people]),
        names,
    )


def draw_date(rng: random.Random) -> dict:
    """A date as the extractor stores it, at a realistic precision; one in 25 unknown."""
    year = rng.choices(YEARS, cum_weights=YEAR_WEIGHTS)[0]
    day = date(year, 1, 1) + timedelta(days=rng.randrange(365))
    p = rng.random()
    if p < 0.04:
        return dict(date_start=None, date_end=None, precision=None, date_value=None, date_text="недавно")
    if p < 0.74:
        when = (day, day, Precision.day, day.isoformat(), f"{day.day} {GENITIVE[day.month - 1]} {year} года")
    elif p < 0.86:
        when = (day.replace(day=1), month_end(year, day.month), Precision.month, f"{year}-{day.month:02d}",
                f"в {PREPOSITIONAL[day.month - 1]} {year} года")
    elif p < 0.90:
        start = day - timedelta(days=day.weekday())
        week = start.isocalendar()
        when = (start, start + timedelta(days=6), Precision.week, f"{week[0]}-W{week[1]:02d}",
                f"на неделе с {start.day} {GENITIVE[start.month - 1]} {start.year} года")
    elif p < 0.94:
        quarter = (day.month - 1) // 3 + 1
        when = (date(year, 3 * quarter - 2, 1), month_end(year, 3 * quarter), Precision.quarter, f"{year}-Q{quarter}",
                f"в {quarter}-м квартале {year} года")
    else:
        when = (date(year, 1, 1), date(year, 12, 31), Precision.year, str(year), f"в {year} году")
    return dict(zip(("date_start", "date_end", "precision", "date_value", "date_text"), when))


def draw_event(rng: random.Random, world: World, event_id: int) -> tuple[dict, list[int], list[tuple[int, Role]], list[int], list[str]]:
    """An event row, its models, organizations (with roles) and people, and two quotes reporting it."""
    kind = rng.choices(list(KIND_WEIGHTS), cum_weights=list(accumulate(KIND_WEIGHTS.values())))[0]
    about_model = kind in (EventKind.release, EventKind.announcement, EventKind.leak) or rng.random() < 0.3
    models = []
    if about_model:
        models = list(dict.fromkeys(world.models.draw(rng) for _ in range(2 if rng.random() < 0.15 else 1)))
    developer = world.matcher.model_developer.get(models[0]) if models else None
    subject = developer or world.orgs.draw(rng)
    orgs: list[tuple[int, Role]] = [(subject, Role.subject)]
    people: list[int] = []
    fields = {"org": world.name("org", subject), "model": world.name("model", models[0]) if models else "",
              "about": f" Речь шла о {world.name('model', models[0])}." if models else "",
              "amount": rng.choice([10, 50, 100, 250, 400, 1000, 2000])}

    def add(role: Role, org_id: int, placeholder: str | None = None) -> None:
        if (org_id, role) not in orgs:  # one organization may have several roles
            orgs.append((org_id, role))
        if placeholder:
            fields[placeholder] = world.name("org", org_id)

    if kind is EventKind.leak:
        add(Role.platform, world.by_kind[OrganizationKind.platform].draw(rng), "platform")
    if kind in (EventKind.investment, EventKind.acquisition, EventKind.lawsuit, EventKind.regulation):
        target = world.orgs.draw(rng)
        if kind is EventKind.investment:
            orgs[0] = (subject, Role.investor)
            fields["investor"] = fields["org"]
        if kind is EventKind.regulation:
            orgs[0] = (world.by_kind[OrganizationKind.regulator].draw(rng), Role.regulator)
            fields["regulator"] = world.name("org", orgs[0][0])
        add(Role.target, target, "target")
    if kind is EventKind.partnership:
        add(Role.partner, world.orgs.draw(rng), "partner")
        orgs[0] = (subject, Role.partner)
    if kind is EventKind.personnel:
        people.append(world.people.draw(rng))
        fields["person"] = world.name("person", people[0])
    if developer and orgs[0][0] != developer:
        add(Role.developer, developer)
    reporter = world.by_kind[OrganizationKind.media].draw(rng)
    fields["reporter"] = world.name("org", reporter)
    if rng.random() < 0.3:
        add(Role.reporter, reporter, "reporter")
    for placeholder in ("platform", "target", "partner", "investor", "regulator", "person"):
        fields.setdefault(placeholder, fields["org"])

    orgs = list(dict.fromkeys(orgs))
    when = draw_date(rng)
    fields["when"] = when["date_text"]
    templates = QUOTES[kind]
    first = rng.randrange(len(templates))
    quotes = [templates[(first + i) % len(templates)].format_map(fields) for i in range(2)]
    quotes = [q[0].upper() + q[1:] for q in quotes]
    inferred = when["precision"] in (Precision.day, Precision.month) and rng.random() < 0.05
    row = dict(
        id=event_id, kind=kind, title=event_title(kind, models, orgs, world.matcher, people)[:300], modifier=None,
        year_inferred=inferred, year_inference_reason="год не указан: взят год публикации статьи" if inferred else None,
        confidence=rng.choices([1.0, 0.9, 0.6], cum_weights=[85, 95, 100])[0],
        created_at=datetime(2025, 1, 1, tzinfo=timezone.utc), **when,
    )
    return row, models, orgs, people, quotes


@dataclass
class Batch:
    """The rows of a batch of events, table by table, in the order they must be inserted."""

    article: list[dict]
    event: list[dict]
    evidence: list[dict]
    event_model: list[dict]
    event_organization: list[dict]
    event_person: list[dict]
    event_search: list[dict]


def draw_batch(rng: random.Random, world: World, first: tuple[int, int, int], count: int, indexed: bool) -> Batch:
    """``count`` events from the ids ``first`` (event, article, evidence), reported by articles of one to three.

    A quarter of the events are reported again by a later article, with another quote.
    """
    event_id, article_id, evidence_id = first
    batch = Batch([], [], [], [], [], [], [])
    quotes: dict[int, list[str]] = {}
    titles: dict[int, str] = {}
    reports: list[tuple[int, str, date | None]] = []  # for the article being written
    later: list[tuple[int, str, date | None]] = []  # for the next one

    def write_article() -> None:
        nonlocal article_id, evidence_id, reports, later
        article_id += 1
        site = rng.choice(SITES)
        text = f"{site}: новости искусственного интеллекта, материал {article_id}."
        for report_event, quote, _ in reports:
            start = len(text) + 1
            text += " " + quote
            evidence_id += 1
            batch.evidence.append(dict(id=evidence_id, event_id=report_event, article_id=article_id, quote=quote,
                                       char_start=start, char_end=len(text)))
            quotes.setdefault(report_event, []).append(quote)
        dates = [d for _, _, d in reports if d is not None]
        web = rng.random() > 0.05
        batch.article.append(dict(
            id=article_id, title=f"{titles[reports[0][0]]}: подробности", text=text, source=site, language="ru",
            url=f"https://{site}/news/{article_id}" if web else None, file_name=None if web else f"article-{article_id:07d}.txt",
            published=max(dates) + timedelta(days=rng.randrange(6)) if dates else None,
            content_hash=hashlib.sha256(text.encode()).hexdigest(), ingested_at=datetime(2025, 1, 1, tzinfo=timezone.utc),
        ))
        reports, later = later, []

    per_article = rng.randint(1, 3)
    for event_id in range(event_id + 1, event_id + count + 1):
        row, models, orgs, people, (quote, other_quote) = draw_event(rng, world, event_id)
        batch.event.append(row)
        titles[event_id] = row["title"]
        batch.event_model += [dict(event_id=event_id, model_id=m) for m in models]
        batch.event_organization += [dict(event_id=event_id, organization_id=o, role=r) for o, r in orgs]
        batch.event_person += [dict(event_id=event_id, person_id=p, role=Role.subject) for p in people]
        reports.append((event_id, quote, row["date_start"]))
        if rng.random() < 0.25:
            later.append((event_id, other_quote, row["date_start"]))
        if len(reports) >= per_article:
            write_article()
            per_article = rng.randint(1, 3)
    while reports or later:
        if not reports:
            reports, later = later, []
        write_article()
    if indexed:
        batch.event_search = [dict(event_id=e["id"], document=event_document(e["title"], quotes[e["id"]])) for e in batch.event]
    return batch


def add_events(engine: sa.Engine, world: World, rng: random.Random, count: int, indexed: bool = True) -> float:
    """Insert ``count`` more events with their links, articles and evidence; the seconds it took."""
    started = time.perf_counter()
    tables = {t.name: t for t in (Article.__table__, Event.__table__, Evidence.__table__, EventModel.__table__,
                                   EventOrganization.__table__, EventPerson.__table__, EventSearch.__table__)}
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA synchronous=OFF")  # a benchmark's database: speed over durability
        connection.commit()
        last = [connection.execute(select(sa.func.coalesce(sa.func.max(t.id), 0))).scalar_one() for t in (Event, Article, Evidence)]
        for done in range(0, count, BATCH):
            batch = draw_batch(rng, world, tuple(last), min(BATCH, count - done), indexed)
            for name, rows in vars(batch).items():
                if rows:
                    connection.execute(tables[name].insert(), rows)
            refresh_public_json(connection)  # as every commit of kb's own sessions does
            connection.commit()
            last = [batch.event[-1]["id"], batch.article[-1]["id"], batch.evidence[-1]["id"]]
    return time.perf_counter() - started


def build_database(path: Path, events: int) -> tuple[sa.Engine, World, random.Random, float]:
    """A migrated knowledge base at ``path`` with the gazetteer and ``events`` synthetic events."""
    url = f"sqlite:///{path}"
    migrate(url)
    engine = get_engine(url)
    rng = random.Random(SEED)
    world = create_world(engine, rng)
    return engine, world, rng, add_events(engine, world, rng, events)
