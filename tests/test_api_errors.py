"""Every error answers with one shape: a problem document (RFC 9457), naming what was wrong."""

import logging

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from api.errors import PROBLEM_MEDIA_TYPE
from api.main import create_app


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    problem = response.json()
    assert problem["status"] == status and problem["type"] == "about:blank" and problem["title"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    return problem


def test_an_invalid_parameter_is_named(client):
    problem = _problem(client.get("/timeline", params={"kind": ["leak", "rumour"]}), 422)
    assert problem["errors"] == [{"param": "kind", "message": problem["errors"][0]["message"]}]
    assert "'rumour'" in problem["errors"][0]["message"] and "leak" in problem["errors"][0]["message"]  # says what would have done
    assert problem["instance"] == "/timeline?kind=leak&kind=rumour"
    assert "kind" in problem["detail"]


def test_several_invalid_parameters_are_each_named(client):
    problem = _problem(client.get("/timeline", params={"from": "yesterday", "limit": "many"}), 422)
    assert sorted(e["param"] for e in problem["errors"]) == ["from", "limit"]


def test_a_parameter_the_library_refuses_is_named(client):
    problem = _problem(client.get("/timeline", params={"from": "2024-01-01", "to": "2023-01-01"}), 422)
    assert problem["errors"][0]["param"] == "from" and "after" in problem["detail"]


@pytest.mark.parametrize("path", ["/events/999999", "/models/999999", "/organizations/999999", "/people/999999",
                                  "/articles/999999", "/models/999999/timeline", "/people/999999/timeline"])
def test_unknown_ids_are_404_problems_naming_the_id(client, path):
    assert "999999" in _problem(client.get(path), 404)["detail"]


def test_an_id_that_is_not_one_is_a_422_naming_it(client):
    assert _problem(client.get("/events/abc"), 422)["errors"][0]["param"] == "event_id"
    assert _problem(client.get("/events/99999999999999999999"), 422)["errors"][0]["param"] == "event_id"


def test_unknown_routes_and_methods(client):
    assert _problem(client.get("/no/such/thing"), 404)["instance"] == "/no/such/thing"
    response = client.put("/timeline")
    problem = _problem(response, 405)
    assert response.headers["allow"] == "GET" and "PUT" in problem["detail"]


def _app_with(seeded_url, path, endpoint):
    app = create_app(seeded_url)
    app.add_api_route(path, endpoint)
    return TestClient(app, raise_server_exceptions=False)


def test_http_exceptions_raised_by_any_endpoint_keep_their_status_and_headers(seeded_url):
    def locked():
        raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})

    with _app_with(seeded_url, "/locked", locked) as client:
        response = client.get("/locked")
        problem = _problem(response, 401)
        assert problem["detail"] == "a bearer token is required"
        assert response.headers["www-authenticate"] == "Bearer"


def test_an_unexpected_failure_is_a_bare_500_logged_on_the_server(seeded_url, caplog):
    def broken():
        raise RuntimeError("secret internals: /etc/passwd")

    with _app_with(seeded_url, "/broken", broken) as client, caplog.at_level(logging.ERROR, logger="api.errors"):
        response = client.get("/broken")
    problem = _problem(response, 500)
    assert "secret" not in response.text and "RuntimeError" not in response.text
    assert problem["instance"].startswith("urn:uuid:")
    logged = [r for r in caplog.records if problem["instance"] in r.getMessage()]
    assert logged and logged[0].exc_info[0] is RuntimeError  # the traceback stays here


def test_the_openapi_schema_declares_problem_documents(client):
    schema = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(schema["components"]["schemas"]["Problem"]["properties"])
    timeline = schema["paths"]["/timeline"]["get"]["responses"]
    for status in ("422", "default"):
        assert timeline[status]["content"] == {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert "404" in schema["paths"]["/events/{event_id}"]["get"]["responses"]
