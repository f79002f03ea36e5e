"""Reports of one event from several articles merge into one event, whatever the order."""

import random
from datetime import date

from sqlmodel import Session, select

from kb.db import get_engine, migrate
from kb.ingest import seed_paths
from kb.models import AIModel, Article, Event, EventModel, EventOrganization, EventPerson, Evidence, Organization, Person
from tests.conftest import SEED_ARTICLES


def _snapshot(url: str) -> set:
    """Every event as its content: kind, date, title, participants and sources (no ids)."""
    with Session(get_engine(url)) as session:
        files = dict(session.exec(select(Article.id, Article.file_name)).all())
        orgs = dict(session.exec(select(Organization.id, Organization.name)).all())
        models = dict(session.exec(select(AIModel.id, AIModel.name)).all())
        people = dict(session.exec(select(Person.id, Person.name)).all())
        snapshot = set()
        for event in session.exec(select(Event)).all():
            snapshot.add(
                (
                    event.kind.value,
                    event.date_value,
                    event.date_text,
                    event.year_inferred,
                    event.title,
                    tuple(sorted(models[m] for m in session.exec(select(EventModel.model_id).where(EventModel.event_id == event.id)))),
                    tuple(sorted((orgs[link.organization_id], link.role.value) for link in session.exec(select(EventOrganization).where(EventOrganization.event_id == event.id)))),
                    tuple(sorted(people[p] for p in session.exec(select(EventPerson.person_id).where(EventPerson.event_id == event.id)))),
                    tuple(sorted((files[e.article_id], e.char_start) for e in session.exec(select(Evidence).where(Evidence.event_id == event.id)))),
                )
            )
        return snapshot


def _seed_in_order(tmp_path, name: str, files: list) -> str:
    folder = tmp_path / name
    folder.mkdir()
    url = f"sqlite:///{tmp_path / (name + '.sqlite')}"
    migrate(url)
    report = seed_paths(get_engine(url), files)  # files named one by one are read in this order
    assert not report.failed, report.failed
    return url


def test_seeding_order_does_not_change_the_knowledge_base(tmp_path):
    files = sorted(p for p in SEED_ARTICLES.iterdir() if p.is_file())
    shuffled = files[:]
    random.Random(7).shuffle(shuffled)
    forward = _snapshot(_seed_in_order(tmp_path, "forward", files))
    assert forward == _snapshot(_seed_in_order(tmp_path, "shuffled", shuffled))
    assert forward == _snapshot(_seed_in_order(tmp_path, "reversed", files[::-1]))


def _article(folder, name: str, published: str, title: str, body: str):
    path = folder / name
    path.write_text(f"---\ntitle: \"{title}\"\npublished: {published}\nsource: test\n---\n{body}\n", encoding="utf-8")
    return path


def _the_leak_in_either_order(tmp_path, first, second):
    """The one leak event of two articles seeded in each order, with a session open on its database."""
    for name, order in (("forward", [first, second]), ("backward", [second, first])):
        with Session(get_engine(_seed_in_order(tmp_path, name, order))) as session:
            (leak,) = session.exec(select(Event).where(Event.kind == "leak")).all()
            yield session, leak


def test_a_month_report_refines_into_the_day_event_in_either_order(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    month = _article(
        folder, "month.md", "2023-04-02", "Весы LLaMA утекли в сеть",
        "В марте 2023 года веса модели LLaMA компании Meta утекли на форум 4chan.",
    )
    day = _article(
        folder, "day.md", "2023-03-06", "Модель Meta оказалась в открытом доступе",
        "Веса языковой модели LLaMA от Meta утекли 3 марта 2023 года: ссылку на торрент выложили на 4chan.",
    )
    for session, leak in _the_leak_in_either_order(tmp_path, month, day):
        assert (leak.date_start, leak.date_end, leak.precision.value) == (date(2023, 3, 3), date(2023, 3, 3), "day")
        assert len(session.exec(select(Evidence).where(Evidence.event_id == leak.id)).all()) == 2


def test_the_words_of_a_date_reported_twice_do_not_depend_on_the_order(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    stated = _article(
        folder, "stated.md", "2023-03-10", "Весы LLaMA утекли в сеть",
        "Веса модели LLaMA компании Meta утекли на форум 4chan 3 марта 2023 года.",
    )
    inferred = _article(
        folder, "inferred.md", "2023-03-06", "Модель Meta оказалась в открытом доступе",
        "Веса языковой модели LLaMA от Meta утекли 3 марта: ссылку на торрент выложили на 4chan.",
    )
    for _, leak in _the_leak_in_either_order(tmp_path, stated, inferred):
        assert (leak.date_start, leak.date_text, leak.year_inferred) == (date(2023, 3, 3), "3 марта 2023 года", False)
        assert leak.year_inference_reason is None
