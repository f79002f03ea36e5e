"""CORS, opt-in with KB_CORS_ORIGINS: a TimelineJS page on another site loads the timeline's CSV."""

import pytest
from fastapi.testclient import TestClient

from api.main import create_app

TIMELINE_PAGE = "https://timeline.example.org"


def test_no_cors_unless_asked(client):
    response = client.get("/timeline.csv", params={"format": "timelinejs"}, headers={"Origin": TIMELINE_PAGE})
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers


@pytest.fixture
def cors_client(seeded_url, monkeypatch):
    monkeypatch.setenv("KB_CORS_ORIGINS", f"{TIMELINE_PAGE}, https://other.example")
    with TestClient(create_app(seeded_url)) as client:
        yield client


def test_an_allowed_origin_loads_the_timelinejs_csv(cors_client):
    response = cors_client.get("/timeline.csv", params={"format": "timelinejs"}, headers={"Origin": TIMELINE_PAGE})
    assert response.status_code == 200 and response.headers["access-control-allow-origin"] == TIMELINE_PAGE
    assert "etag" in response.headers["access-control-expose-headers"].lower()
    preflight = cors_client.options(
        "/timeline", headers={"Origin": TIMELINE_PAGE, "Access-Control-Request-Method": "GET",
                              "Access-Control-Request-Headers": "If-None-Match"},
    )
    assert preflight.status_code == 200 and "GET" in preflight.headers["access-control-allow-methods"]


def test_another_origin_is_not_allowed(cors_client):
    response = cors_client.get("/timeline", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


def test_a_bad_origin_setting_is_refused_by_name(seeded_url, monkeypatch):
    monkeypatch.setenv("KB_CORS_ORIGINS", "timeline.example.org")
    with pytest.raises(ValueError, match="KB_CORS_ORIGINS"):
        create_app(seeded_url)
