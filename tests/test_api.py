"""The REST API over real HTTP (FastAPI's test client) on a seeded SQLite knowledge base."""

import csv
import re
import io

from kb.export_csv import CSV_HEADER


def test_timeline_items_have_the_documented_shape(client):
    body = client.get("/timeline").json()
    assert set(body) == {"items", "next"}  # facets only when asked for
    item = body["items"][0]
    assert {"id", "kind", "title", "date", "organizations", "models", "people", "confidence", "sources"} <= set(item)
    assert {"start", "end", "precision", "text", "year_inferred"} <= set(item["date"])
    assert {"article_id", "title", "url", "quote"} <= set(item["sources"][0])


def test_timeline_is_chronological_with_unknown_dates_last(client):
    items = client.get("/timeline", params={"limit": 1000}).json()["items"]
    starts = [i["date"]["start"] for i in items]
    known = [s for s in starts if s is not None]
    assert known == sorted(known)
    assert starts == known + [None] * (len(starts) - len(known))


def test_pages_follow_cursors_without_gaps_or_repeats(client):
    everything = [i["id"] for i in client.get("/timeline", params={"limit": 1000}).json()["items"]]
    seen, cursor = [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = client.get("/timeline", params=params).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == everything


def test_filters_by_model_family_org_kind_and_dates(client):
    llama = client.get("/timeline", params={"model": "Llama"}).json()["items"]
    assert llama and all(any(m["name"].startswith("LLaMA") for m in i["models"]) for i in llama)
    by_alias = client.get("/timeline", params={"org": "Майкрософт"}).json()["items"]
    assert by_alias and all(any(o["name"] == "Microsoft" for o in i["organizations"]) for i in by_alias)
    releases = client.get("/timeline", params={"kind": ["release", "lawsuit"]}).json()["items"]
    assert {i["kind"] for i in releases} == {"release", "lawsuit"}
    in_2023 = client.get("/timeline", params={"from": "2023-01-01", "to": "2023-12-31"}).json()["items"]
    assert in_2023 and all("2023-01-01" <= i["date"]["start"] <= "2023-12-31" for i in in_2023)
    assert client.get("/timeline", params={"model": "no such model"}).json()["items"] == []


def _rejected(client, params, name):
    response = client.get("/timeline", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["param"] for error in response.json()["errors"]] == [name], response.json()


def test_bad_parameters_answer_422_naming_the_parameter(client):
    _rejected(client, {"kind": "rumour"}, "kind")
    _rejected(client, {"from": "March 3"}, "from")
    _rejected(client, {"to": "2023-02-30"}, "to")
    _rejected(client, {"from": "2024-01-01", "to": "2023-01-01"}, "from")
    _rejected(client, {"limit": 0}, "limit")
    _rejected(client, {"limit": 10**9}, "limit")
    _rejected(client, {"cursor": "garbage"}, "cursor")
    cursor = client.get("/timeline", params={"limit": 1}).json()["next"]
    _rejected(client, {"limit": 1, "cursor": cursor, "kind": "leak"}, "cursor")


def test_records_by_id_and_404s(client):
    event = client.get("/timeline").json()["items"][0]
    assert client.get(f"/events/{event['id']}").json() == event
    article_id = event["sources"][0]["article_id"]
    article = client.get(f"/articles/{article_id}").json()
    assert event["id"] in [e["id"] for e in article["events"]]
    models = client.get("/models").json()
    assert len(models) >= 80
    orgs = client.get("/organizations").json()
    meta = next(o for o in orgs if o["name"] == "Meta")
    assert "Facebook" in meta["aliases"] and client.get(f"/organizations/{meta['id']}").json() == meta
    for path in ("/events/999999", "/models/999999", "/organizations/999999", "/articles/999999"):
        response = client.get(path)
        assert response.status_code == 404 and "999999" in response.json()["detail"]
        assert response.headers["content-type"] == "application/problem+json"


def test_csv_export_is_rfc4180_in_timeline_order(client):
    response = client.get("/timeline.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"id,date_start,date_end,precision,date_text,year_inferred,kind,title,confidence,")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert rows[0] == CSV_HEADER
    timeline = client.get("/timeline", params={"limit": 1000}).json()["items"]
    assert [int(r[0]) for r in rows[1:]] == [i["id"] for i in timeline]
    filtered = list(csv.reader(io.StringIO(client.get("/timeline.csv", params={"model": "LLaMA"}).text)))
    assert all("LLaMA" in row[CSV_HEADER.index("models")] for row in filtered[1:])


def test_openapi_docs_are_served_without_the_network(client):
    """Swagger UI and ReDoc load their scripts and styles from this server, never from a CDN."""
    for page in ("/docs", "/redoc"):
        html = client.get(page)
        assert html.status_code == 200
        assets = re.findall(r'(?:src|href)="([^"]+)"', html.text)
        assert assets and all(asset.startswith("/") for asset in assets), assets
        for asset in assets:
            assert client.get(asset).status_code == 200 and client.get(asset).content
    assert "/timeline" in client.get("/openapi.json").json()["paths"]
