"""HEAD wherever GET works (RFC 9110): the same status and headers, no body."""

import itertools

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import StreamingResponse
from starlette.routing import Route

from api.head import HeadAsGet

READS = ["/timeline", "/timeline.csv", "/timeline.jsonl", "/timeline.ics", "/events/1", "/models", "/models/1",
         "/organizations/1/timeline", "/people", "/articles/1", "/", "/sources/1", "/static/kb.css", "/openapi.json", "/docs"]


@pytest.mark.parametrize("path", READS)
def test_head_answers_as_get_without_a_body(client, path):
    get, head = client.get(path), client.head(path)
    assert get.status_code == head.status_code == 200, (path, head.status_code)
    assert head.content == b""
    for header in ("content-type", "content-length", "etag", "cache-control", "link", "content-disposition"):
        assert head.headers.get(header) == get.headers.get(header), header


def test_head_of_a_missing_record_or_a_write_only_path(client):
    assert client.head("/events/999999").status_code == 404
    refused = client.head("/articles")
    assert refused.status_code == 405 and "POST" in refused.headers["allow"]


def test_head_revalidates_like_get(client):
    etag = client.get("/timeline").headers["etag"]
    assert client.head("/timeline", headers={"If-None-Match": etag}).status_code == 304


def test_head_of_an_endless_stream_ends():
    """The endpoint is stopped at its first chunk: a HEAD never reads a whole export."""
    produced = []

    def endless():
        for n in itertools.count():
            produced.append(n)
            yield b"x" * 1000

    app = Starlette(routes=[Route("/stream", lambda request: StreamingResponse(endless()))])
    with TestClient(HeadAsGet(app)) as client:
        response = client.head("/stream")
    assert response.status_code == 200 and response.content == b"" and len(produced) < 3


def test_head_over_real_http(live_url):
    with httpx.Client(base_url=live_url) as http:
        head = http.head("/timeline.csv", params={"model": "LLaMA"})
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-type"].startswith("text/csv") and head.headers["etag"]
        assert http.get("/timeline.csv", params={"model": "LLaMA"}).text  # the connection is still good
