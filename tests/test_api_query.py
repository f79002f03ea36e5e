"""Query features of the timeline: filters (OR within one, AND across), pages and Link, facets,
entity timelines, and requests that break every rule answering 4xx problems, never 500."""

from collections import Counter

import pytest

from kb.queries import MAX_LIMIT


def _all(client, path="/timeline", **params):
    return client.get(path, params={"limit": MAX_LIMIT, **params}).json()["items"]


def _ids(items):
    return {i["id"] for i in items}


def test_a_repeated_parameter_means_any_of_its_values(client):
    leaks, releases = _ids(_all(client, kind="leak")), _ids(_all(client, kind="release"))
    assert leaks and releases
    assert _ids(_all(client, kind=["leak", "release"])) == leaks | releases
    meta, openai = _ids(_all(client, org="Meta")), _ids(_all(client, org="OpenAI"))
    assert _ids(_all(client, org=["Meta", "OpenAI"])) == meta | openai


def test_different_parameters_must_all_hold(client):
    both = _all(client, org="Meta", kind="release")
    assert both and _ids(both) == _ids(_all(client, org="Meta")) & _ids(_all(client, kind="release"))
    assert all(i["kind"] == "release" and "Meta" in [o["name"] for o in i["organizations"]] for i in both)


def test_filter_by_person_name_or_alias(client):
    people = client.get("/people").json()
    person = max(people, key=lambda p: p["events"])
    assert person["events"] > 0
    items = _all(client, person=person["name"])
    assert len(items) == person["events"]
    assert all(person["id"] in [p["id"] for p in i["people"]] for i in items)
    assert _all(client, person="Nobody Whatsoever") == []


def test_min_confidence_leaves_out_less_certain_events(client):
    everything = _all(client)
    confident = _all(client, min_confidence=0.95)
    assert _ids(confident) == {i["id"] for i in everything if i["confidence"] >= 0.95}


def test_newest_first_is_the_reverse_of_chronological_for_dated_events(client):
    oldest_first = [i["id"] for i in _all(client) if i["date"]["start"]]
    newest_first = _all(client, order="desc")
    dated = [i for i in newest_first if i["date"]["start"]]
    assert [i["date"]["start"] for i in dated] == sorted((i["date"]["start"] for i in dated), reverse=True)
    assert newest_first[: len(dated)] == dated  # unknown dates last either way
    assert sorted(i["id"] for i in dated) == sorted(oldest_first)


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_link_header_pages_through_keeping_the_other_parameters(client, order):
    expected = [i["id"] for i in _all(client, kind=["release", "leak"], order=order)]
    seen, response = [], client.get("/timeline", params={"kind": ["release", "leak"], "limit": 4, "order": order})
    while True:
        page = response.json()
        seen += [i["id"] for i in page["items"]]
        link = response.headers.get("link")
        if page["next"] is None:
            assert link is None
            break
        url, rel = link.split(";")
        assert rel.strip() == 'rel="next"' and url.startswith("<http") and url.endswith(">")
        assert "kind=release" in url and "kind=leak" in url and "limit=4" in url and url.count("cursor=") == 1
        response = client.get(url[1:-1])
    assert seen == expected and len(seen) > 4


def _values(facet: dict) -> dict:
    return {f["value"]: f["count"] for f in facet["values"]}


def test_facets_count_every_filtered_event_not_only_the_page(client):
    items = _all(client, org="OpenAI")
    page = client.get("/timeline", params={"org": "OpenAI", "limit": 1, "facets": "kind,year,model"}).json()
    assert len(page["items"]) == 1 and set(page["facets"]) == {"kind", "year", "model"}
    assert _values(page["facets"]["kind"]) == Counter(i["kind"] for i in items)
    years = Counter(int(i["date"]["start"][:4]) if i["date"]["start"] else None for i in items)
    assert _values(page["facets"]["year"]) == years
    models = Counter(m["name"] for i in items for m in i["models"])
    assert len(page["facets"]["model"]["values"]) == min(30, len(models))
    assert page["facets"]["model"]["truncated"] is (len(models) > 30)
    assert all(f["count"] == models[f["value"]] for f in page["facets"]["model"]["values"])
    counts = [f["count"] for f in page["facets"]["model"]["values"]]
    assert counts == sorted(counts, reverse=True)


def test_a_facet_says_when_it_is_truncated(client):
    models = Counter(m["name"] for i in _all(client) for m in i["models"])
    assert len(models) > 3
    cut = client.get("/timeline", params={"facets": "model,kind", "facet_size": 3, "limit": 1}).json()["facets"]
    assert len(cut["model"]["values"]) == 3 and cut["model"]["truncated"] is True
    whole = client.get("/timeline", params={"facets": "model", "facet_size": len(models), "limit": 1}).json()["facets"]
    assert _values(whole["model"]) == models and whole["model"]["truncated"] is False
    assert client.get("/timeline", params={"facets": "model", "facet_size": 0}).status_code == 422


def test_facets_may_be_repeated_and_name_entities_by_id(client):
    page = client.get("/timeline", params={"facets": ["org", "person"], "limit": 1}).json()
    openai = next(f for f in page["facets"]["org"]["values"] if f["value"] == "OpenAI")
    assert openai["count"] == len(_all(client, f"/organizations/{openai['id']}/timeline"))
    assert page["facets"]["person"]["values"] and all(f["id"] for f in page["facets"]["person"]["values"])


def test_comma_lists_mean_what_repeated_parameters_mean(client):
    for name, values in (("kind", ["leak", "release"]), ("org", ["Meta", "Mistral AI"]), ("model", ["LLaMA", "Sora"])):
        repeated = _all(client, **{name: values})
        assert repeated and _all(client, **{name: ",".join(values)}) == repeated
        assert _all(client, **{name: f" {values[0]} , {values[1]},"}) == repeated, name
    assert client.get("/timeline", params={"kind": "leak,rumour"}).status_code == 422


def test_the_total_counts_every_matching_event_when_asked(client):
    everything = _all(client, org="OpenAI")
    page = client.get("/timeline", params={"org": "OpenAI", "limit": 2, "total": "true"}).json()
    assert page["total"] == len(everything) > 2 and len(page["items"]) == 2
    assert "total" not in client.get("/timeline", params={"org": "OpenAI", "limit": 2}).json()
    following = client.get("/timeline", params={"org": "OpenAI", "limit": 2, "total": "true", "cursor": page["next"]}).json()
    assert following["total"] == page["total"]


@pytest.mark.parametrize("name", ["Альтман", "альтман", "АЛЬТМАН", "Альтмана", "Сэм Альтман", "сэм альтман"])
def test_a_person_is_found_by_surname_in_any_case(client, name):
    altman = _all(client, person="Сэм Альтман")
    assert altman and _all(client, person=name) == altman


def test_a_surname_is_a_whole_word(client):
    assert _all(client, person="тман") == []


def test_entity_timelines_are_the_timeline_filtered_by_that_entity(client):
    llama = next(m for m in client.get("/models").json() if m["name"] == "LLaMA")
    by_id = _all(client, f"/models/{llama['id']}/timeline")
    assert by_id and by_id == _all(client, model="LLaMA")
    meta = next(o for o in client.get("/organizations").json() if o["name"] == "Meta")
    assert _all(client, f"/organizations/{meta['id']}/timeline") == _all(client, org="Meta")
    leaks = _all(client, f"/organizations/{meta['id']}/timeline", kind="leak")
    assert leaks and all(i["kind"] == "leak" for i in leaks)  # with the filters of /timeline
    person = next(p for p in client.get("/people").json() if p["events"])
    assert client.get(f"/people/{person['id']}").json() == person
    assert len(_all(client, f"/people/{person['id']}/timeline")) == person["events"]


def _problem_naming(response, param):
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert param in [e.get("param") for e in response.json()["errors"]], response.json()


def test_a_cursor_from_another_query_is_refused(client):
    cursor = client.get("/timeline", params={"limit": 1}).json()["next"]
    _problem_naming(client.get("/timeline", params={"limit": 1, "cursor": cursor, "kind": "leak"}), "cursor")
    _problem_naming(client.get("/timeline", params={"limit": 1, "cursor": cursor, "order": "desc"}), "cursor")
    meta = next(o for o in client.get("/organizations").json() if o["name"] == "Meta")
    _problem_naming(client.get(f"/organizations/{meta['id']}/timeline", params={"limit": 1, "cursor": cursor}), "cursor")
    for forged in ("garbage", "eyJzIjogMX0", "W10", "eyJzIjpudWxsLCJpIjoxZTMwMCwiZiI6IngifQ"):
        _problem_naming(client.get("/timeline", params={"cursor": forged}), "cursor")


def test_limits_dates_and_facets_out_of_bounds_are_refused(client):
    _problem_naming(client.get("/timeline", params={"limit": 10**9}), "limit")
    _problem_naming(client.get("/timeline", params={"limit": MAX_LIMIT + 1}), "limit")
    _problem_naming(client.get("/timeline", params={"from": "2024-01-01", "to": "2023-01-01"}), "from")
    _problem_naming(client.get("/timeline", params={"facets": "kind,colour"}), "facets")
    _problem_naming(client.get("/timeline", params={"min_confidence": 2}), "min_confidence")
    _problem_naming(client.get("/timeline", params={"q": "!!! ???"}), "q")
    _problem_naming(client.get("/timeline", params={"q": " ".join(f"слово{i}" for i in range(40))}), "q")
    assert client.get("/timeline", params={"limit": MAX_LIMIT}).status_code == 200


HOSTILE = [
    "'; DROP TABLE event; --",
    '" OR 1=1 --',
    "утечка\" OR \"",
    "NEAR(утечка llama, 2)",
    "llama*",
    "^утечка",
    "утечка AND NOT llama",
    "title:утечка",
    "') | ('x",
    "!!(",
    "\x00утечка",
    "%' OR '%'='",
    "утечка" * 60,
]


@pytest.mark.parametrize("q", HOSTILE)
def test_sql_and_search_syntax_in_q_is_just_text(client, q):
    for path in ("/timeline", "/timeline.csv"):
        response = client.get(path, params={"q": q})
        assert response.status_code in (200, 422), response.text
    assert client.get("/timeline").status_code == 200  # nothing was dropped


def test_a_request_breaking_every_rule_at_once_is_a_4xx_problem(client):
    cursor = client.get("/timeline", params={"limit": 1}).json()["next"]
    response = client.get(
        "/timeline",
        params={"cursor": cursor, "limit": 10**9, "from": "2025-01-01", "to": "2020-01-01", "q": "'; DROP TABLE event; --"},
    )
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]
