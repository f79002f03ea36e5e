"""The founding article, a Russian report of the LLaMA leak, end to end (issue acceptance)."""

from datetime import date

from sqlmodel import Session, func, select

from kb.models import AIModel, Article, Event, Evidence
from tests.conftest import SEED_ARTICLES


def _timeline(client, **params):
    response = client.get("/timeline", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_seeded_with_publication_date_gives_one_dated_leak(cli, db_url, founding_article):
    from fastapi.testclient import TestClient

    from api.main import create_app

    result = cli("--db", db_url, "seed", str(founding_article), "--published", "2023-03-06")
    assert result.exit_code == 0, result.output

    with TestClient(create_app(db_url)) as client:
        items = _timeline(client)
        assert len(items) == 1
        event = items[0]
        assert event["kind"] == "leak"
        assert event["date"]["start"] == event["date"]["end"] == "2023-03-03"
        assert event["date"]["precision"] == "day"
        assert event["date"]["text"] == "3 марта"
        assert {"Meta", "4chan"} <= {o["name"] for o in event["organizations"]}
        assert {o["role"] for o in event["organizations"] if o["name"] == "4chan"} == {"platform"}
        assert [m["name"] for m in event["models"]] == ["LLaMA"]
        (source,) = event["sources"]
        assert "3 марта" in source["quote"] and "4chan" in source["quote"]

        article = client.get(f"/articles/{source['article_id']}").json()
        assert article["text"][source["char_start"] : source["char_end"]] == source["quote"]

        llama = client.get(f"/models/{event['models'][0]['id']}").json()
        assert {"LLaMA-7B", "LLaMA-13B", "LLaMA-33B", "LLaMA-65B"} <= {v["name"] for v in llama["variants"]}
        assert "LLaMA-30B" in client.get(f"/models/{_id_of(llama['variants'], 'LLaMA-33B')}").json()["aliases"]

        for compared in ("GPT-3", "ChatGPT"):
            assert _timeline(client, model=compared) == []


def _id_of(refs, name):
    return next(ref["id"] for ref in refs if ref["name"] == name)


def test_year_inferred_from_the_knowledge_base_after_the_release(cli, db_url, founding_article):
    from fastapi.testclient import TestClient

    from api.main import create_app

    assert cli("--db", db_url, "seed", str(SEED_ARTICLES / "2023-02-24-meta-llama.md")).exit_code == 0
    assert cli("--db", db_url, "seed", str(founding_article)).exit_code == 0

    with TestClient(create_app(db_url)) as client:
        items = _timeline(client, model="llama")
        assert [(i["kind"], i["date"]["start"]) for i in items] == [("release", "2023-02-24"), ("leak", "2023-03-03")]
        leak = items[1]["date"]
        assert leak["year_inferred"] is True
        assert "2023-02-24" in leak["year_inference_reason"]


def test_year_completed_when_the_knowledge_base_learns_more_later(cli, engine, db_url, founding_article):
    assert cli("--db", db_url, "seed", str(founding_article)).exit_code == 0
    with Session(engine) as session:
        (leak,) = session.exec(select(Event)).all()
        assert leak.date_start is None and leak.date_value == "XXXX-03-03" and leak.date_text == "3 марта"

    assert cli("--db", db_url, "seed", str(SEED_ARTICLES / "2023-02-24-meta-llama.md")).exit_code == 0
    with Session(engine) as session:
        leak = session.get(Event, leak.id)
        assert (leak.date_start, leak.year_inferred) == (date(2023, 3, 3), True)


SECOND_LEAK_REPORT = SEED_ARTICLES / "2023-03-03-llama-weights-leak-4chan.html"


def _leaks(session):
    return session.exec(select(Event).where(Event.kind == "leak")).all()


def test_a_second_report_of_the_leak_becomes_a_second_source(cli, engine, db_url, founding_article):
    assert cli("--db", db_url, "seed", str(founding_article), "--published", "2023-03-06").exit_code == 0
    assert cli("--db", db_url, "seed", str(SECOND_LEAK_REPORT)).exit_code == 0
    with Session(engine) as session:
        (leak,) = _leaks(session)
        sources = session.exec(select(Evidence).where(Evidence.event_id == leak.id)).all()
        assert len({e.article_id for e in sources}) == 2
        assert (leak.date_start, leak.precision.value) == (date(2023, 3, 3), "day")


def test_an_undated_report_joins_the_dated_one_once_its_year_is_known(cli, engine, db_url, founding_article):
    # Seeded first without a date, the founding article's «3 марта» has no year; the second
    # report and the release give it one, and the two leaks become one event.
    assert cli("--db", db_url, "seed", str(founding_article)).exit_code == 0
    assert cli("--db", db_url, "seed", str(SECOND_LEAK_REPORT), str(SEED_ARTICLES / "2023-02-24-meta-llama.md")).exit_code == 0
    with Session(engine) as session:
        (leak,) = _leaks(session)
        assert leak.date_start == date(2023, 3, 3)
        assert len(session.exec(select(Evidence).where(Evidence.event_id == leak.id)).all()) == 2


def test_no_event_for_models_only_compared(cli, engine, db_url, founding_article):
    cli("--db", db_url, "seed", str(founding_article), "--published", "2023-03-06")
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Event)).one() == 1
        assert session.exec(select(func.count()).select_from(Article)).one() == 1
        assert session.exec(select(AIModel).where(AIModel.name == "GPT-3")).one()  # known, yet no event
