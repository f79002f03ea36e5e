"""Hostile requests: schemathesis against the application's own OpenAPI schema, in-process, and
SQL injection through every text parameter.

Schemathesis generates requests from the schema, both valid ones and ones that break it, and
checks every response: no 5xx, a status code the schema declares, the declared content type
and headers, a body that matches the declared schema, and invalid requests refused. Two
checks are adjusted:
- ``positive_data_acceptance`` is left out: the API refuses, with a 422 naming the parameter,
  values a schema cannot describe (``from`` after ``to``, a cursor of another query, a NUL in
  a name), and that is by design;
- ``negative_data_rejection`` is not asked of a query parameter that takes any text (a name,
  the search words) when only its JSON type was changed: on the wire, the integer -648 for
  ``org`` is the text «-648», a name like any other.

(The schemathesis pytest plugin's ``parametrize`` does not run under this pytest; the same
checks run here through hypothesis directly, one operation at a time, derandomized so that a
run is reproducible.) ``KB_SCHEMATHESIS_EXAMPLES`` sets the examples per operation (default 25
for reads, a fifth of it for writes); a larger number explores further.
"""

from __future__ import annotations

import io
import os
from collections import Counter

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.mutations import OperatorKind
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance
from sqlmodel import Session

from api.main import create_app
from kb import backup
from kb.db import get_engine
from kb.ingest import seed_paths
from tests.conftest import SEED_ARTICLES
from tests.reliability import record_summary

EXAMPLES = int(os.environ.get("KB_SCHEMATHESIS_EXAMPLES", "25"))
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}


def _takes_any_text(schema: dict) -> bool:
    """Whether a query parameter's schema accepts any text: a string, or an array of strings."""
    options = [option for option in schema.get("anyOf", [schema]) if option.get("type") != "null"]
    for option in options:
        if option.get("type") == "array":
            option = option.get("items", {})
        if option.get("type") != "string" or {"enum", "format", "pattern"} & set(option):
            return False
    return bool(options)


@schemathesis.check
def invalid_requests_refused(ctx, response, case):
    """``negative_data_rejection``, unless the only changes are JSON types of free-text query parameters."""
    mutations = case.meta.phase.data.mutations if case.meta is not None else None
    if mutations and all(
        mutation.operator == OperatorKind.CHANGE_TYPE
        and mutation.parameter_location == ParameterLocation.QUERY
        and _takes_any_text(case.operation.query.get(mutation.parameter).definition.get("schema", {}))
        for mutation in mutations
    ):
        return None
    return negative_data_rejection(ctx, response, case)


def _fuzz(app, token: str | None, methods: set[str], examples: int, name: str) -> list[str]:
    """Run schemathesis over the operations with these methods; a description of each failure."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"} if token else None
    failures, operations, statuses = [], 0, Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() not in methods:
            continue
        operations += 1
        requests = st.one_of(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        )

        @given(case=requests)
        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            response = case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance, negative_data_rejection])
            statuses[response.status_code] += 1

        try:
            check()
        except Exception as exc:  # schemathesis' failure report: the request, the response, the check
            failures.append(f"{operation.label}: {exc}")
    record_summary(name, engine=app.state.engine.dialect.name, operations=operations, requests=statuses.total(),
                   statuses=dict(sorted(statuses.items())), failures=len(failures))
    return failures


def _dump(url: str) -> str:
    with Session(get_engine(url)) as session:
        out = io.StringIO()
        backup.dump(session, out)
        return out.getvalue()


def test_reads_answer_no_5xx_and_keep_to_the_schema(seeded_url):
    before = _dump(seeded_url)
    failures = _fuzz(create_app(seeded_url), None, {"GET"}, EXAMPLES, "schemathesis_reads")
    assert not failures, "\n\n".join(failures)
    assert _dump(seeded_url) == before


def test_writes_with_a_token_answer_no_5xx_and_keep_to_the_schema(db_url, gazetteer_engine, writer_headers):
    # Something to patch, delete and merge: a few articles with their events and entities.
    seed_paths(gazetteer_engine, sorted(SEED_ARTICLES.iterdir())[:4])
    failures = _fuzz(create_app(db_url), "test-token", WRITE_METHODS, max(5, EXAMPLES // 5), "schemathesis_writes")
    assert not failures, "\n\n".join(failures)


def test_writes_without_the_right_token_keep_to_the_schema_and_change_nothing(db_url, gazetteer_engine, monkeypatch):
    monkeypatch.setenv("KB_API_TOKEN", "the-right-token")
    seed_paths(gazetteer_engine, sorted(SEED_ARTICLES.iterdir())[:2])
    before = _dump(db_url)
    failures = _fuzz(create_app(db_url), "a-wrong-token", WRITE_METHODS, max(5, EXAMPLES // 5), "schemathesis_wrong_token")
    assert not failures, "\n\n".join(failures)
    assert _dump(db_url) == before


# --- SQL injection through every text parameter ---------------------------------------------------

INJECTIONS = [
    "' OR '1'='1",
    "Meta' OR 1=1 --",
    "'; DROP TABLE event; --",
    "\"; DELETE FROM article; --",
    "1) UNION SELECT name, name FROM organization --",
    "Meta'/**/OR/**/'a'='a",
    "%' OR '%'='",
    "Meta\\'; SELECT pg_sleep(5); --",
    "x' AND (SELECT COUNT(*) FROM sqlite_master) > 0 --",
    "‘ OR ‘1’=‘1",
]
TEXT_PARAMETERS = ("model", "org", "person", "q")
TIMELINES = ("/timeline", "/timeline.csv", "/timeline.json", "/timeline.jsonl", "/timeline.ics", "/organizations/1/timeline")


@pytest.fixture(scope="module")
def injected(seeded_url):
    """The API over the seeded knowledge base, and its dump before any injection."""
    with TestClient(create_app(seeded_url)) as client:
        yield client, _dump(seeded_url)


@pytest.mark.parametrize("parameter", TEXT_PARAMETERS)
def test_sql_in_a_text_parameter_is_only_a_name_or_words(injected, seeded_url, parameter):
    client, before = injected
    every_event = len(client.get("/timeline", params={"limit": 1000}).json()["items"])
    for payload in INJECTIONS:
        for path in TIMELINES:
            response = client.get(path, params={parameter: payload})
            assert response.status_code in (200, 422), (path, payload, response.text)
        response = client.get("/timeline", params={parameter: payload, "limit": 1000})
        if response.status_code != 200:
            continue
        found = response.json()["items"]
        if parameter == "q":
            # Words to look for («1», «select»...): perhaps some events, never the whole table.
            assert len(found) < every_event, payload
        else:
            assert found == [], (parameter, payload)  # a name nothing is called
    assert _dump(seeded_url) == before
    record_summary("sql_injection", parameter=parameter, payloads=len(INJECTIONS), endpoints=len(TIMELINES))


@pytest.mark.parametrize("payload", INJECTIONS)
def test_sql_in_kind_cursor_facets_and_ids_is_refused_as_invalid(injected, seeded_url, payload):
    client, before = injected
    for params in ({"kind": payload}, {"cursor": payload}, {"facets": payload}, {"order": payload},
                   {"from": payload}, {"limit": payload}, {"min_confidence": payload}):
        response = client.get("/timeline", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    for path in ("/events/{}", "/models/{}", "/organizations/{}/timeline", "/articles/{}", "/people/{}"):
        response = client.get(path.format(payload.replace("/", "%2F")))
        assert response.status_code in (404, 422), (path, payload, response.text)
    assert _dump(seeded_url) == before


# --- found by schemathesis ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "0.0", "1700000000", "2023-1-1", "20230101"])
def test_a_number_or_a_loose_date_is_not_a_date(injected, value):
    """Pydantic alone read «from=0» as the Unix time 0, and answered events since 1970."""
    client, _ = injected
    for path in TIMELINES:
        response = client.get(path, params={"from": value})
        assert response.status_code == 422, (path, response.text)
        assert "from" in response.json()["detail"]


def test_a_publication_date_sent_as_a_number_is_refused(writable_client):
    response = writable_client.post("/articles", json={"title": "A", "text": "B", "published": 0})
    assert response.status_code == 422 and "published" in response.json()["detail"]
