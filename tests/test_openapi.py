"""The OpenAPI schema holds up for its consumers: it validates, names operations readably, and
documents every status and header the API sends."""

from openapi_spec_validator import validate

from api.openapi import TIMELINE_PAGES


def _operations(schema):
    return [(path, method, operation) for path, operations in schema["paths"].items() for method, operation in operations.items()]


def test_the_schema_is_valid_openapi(client):
    validate(client.get("/openapi.json").json())


def test_operations_have_readable_ids_and_summaries(client):
    operations = _operations(client.get("/openapi.json").json())
    ids = [operation["operationId"] for _, _, operation in operations]
    assert len(ids) == len(set(ids)) and "timeline" in ids and "post_article" in ids
    for path, method, operation in operations:
        assert operation["operationId"].isidentifier() and not operation["operationId"].endswith(("_get", "_post")), path
        summary = operation["summary"]
        assert summary[0].isupper() and summary != operation["operationId"].replace("_", " ").title(), (path, summary)


def test_reads_document_their_validators_and_304(client):
    schema = client.get("/openapi.json").json()
    for path, method, operation in _operations(schema):
        if method != "get":
            continue
        assert {"ETag", "Cache-Control"} <= set(operation["responses"]["200"]["headers"]), path
        assert "304" in operation["responses"], path
        assert ("Link" in operation["responses"]["200"]["headers"]) is (operation["operationId"] in TIMELINE_PAGES), path


def test_writes_document_their_token_and_body_limits(client):
    for path, method, operation in _operations(client.get("/openapi.json").json()):
        if method == "get":
            continue
        assert {"401", "403"} <= set(operation["responses"]), (method, path)
        assert ("413" in operation["responses"]) is ("requestBody" in operation), (method, path)


def test_what_is_documented_is_what_is_sent(client, seeded_url):
    etag = client.get("/timeline").headers["etag"]
    assert client.get("/timeline", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/timeline", params={"limit": 1}).headers["link"].endswith('rel="next"')
    assert client.post("/articles", json={}).status_code in (401, 403)
