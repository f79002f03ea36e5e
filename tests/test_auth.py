"""Who may write: bearer tokens from KB_API_TOKEN; without one configured, nobody."""

import hmac

import pytest
from fastapi.testclient import TestClient

import api.auth
from api.auth import TokenConfigError, parse_tokens
from api.main import create_app

ARTICLE = {
    "title": "Meta открыла доступ к LLaMA",
    "text": "24 февраля 2023 года компания Meta представила языковую модель LLaMA для исследователей.",
    "published": "2023-02-25",
}


@pytest.fixture
def app_client(db_url, gazetteer_engine) -> TestClient:
    """The API over a knowledge base of its own; each test configures the tokens itself."""
    with TestClient(create_app(db_url)) as client:
        yield client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _every_write(client: TestClient, headers: dict[str, str]) -> list:
    return [
        client.post("/articles", json=ARTICLE, headers=headers),
        client.patch("/events/1", json={"confidence": 0.5}, headers=headers),
        client.delete("/events/1", headers=headers),
        client.post("/organizations/1/merge", json={"from": 2}, headers=headers),
        client.post("/models/1/merge", json={"from": 2}, headers=headers),
        client.post("/people/1/merge", json={"from": 2}, headers=headers),
    ]


def _history_actors(client: TestClient, event_id: int) -> list[str]:
    return [entry["actor"] for entry in client.get(f"/events/{event_id}/history").json()]


def test_without_a_configured_token_every_write_is_refused(app_client, monkeypatch):
    monkeypatch.delenv("KB_API_TOKEN", raising=False)
    for headers in ({}, _bearer("anything"), _bearer("")):
        for response in _every_write(app_client, headers):
            assert response.status_code == 403, (response.request.url, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert "writes are disabled" in response.json()["detail"]
    monkeypatch.setenv("KB_API_TOKEN", "   ")  # set, but to nothing: still disabled
    assert app_client.post("/articles", json=ARTICLE, headers=_bearer("   ")).status_code == 403
    assert app_client.get("/timeline").json()["items"] == []
    # Reading needs no token.
    assert app_client.get("/organizations/1").status_code == 200


def test_a_missing_or_wrong_token_is_401_with_a_bearer_challenge(app_client, monkeypatch):
    monkeypatch.setenv("KB_API_TOKEN", "s3cret-token")
    for headers in ({}, _bearer("wrong"), _bearer("s3cret-toke"), _bearer("s3cret-token-and-more"),
                    {"Authorization": "Basic czNjcmV0LXRva2Vu"}, {"Authorization": "s3cret-token"}):
        for response in _every_write(app_client, headers):
            assert response.status_code == 401, (headers, response.request.url, response.text)
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.headers["content-type"].startswith("application/problem+json")
            assert "s3cret" not in response.text
    assert app_client.get("/timeline").json()["items"] == []


def test_the_right_token_writes_and_is_recorded_as_api(app_client, monkeypatch):
    monkeypatch.setenv("KB_API_TOKEN", "s3cret-token")
    response = app_client.post("/articles", json=ARTICLE, headers={"Authorization": "bearer s3cret-token"})
    assert response.status_code == 201, response.text
    event_id = response.json()["events"][0]["id"]
    assert app_client.patch(f"/events/{event_id}", json={"confidence": 0.5}, headers=_bearer("s3cret-token")).status_code == 200
    assert _history_actors(app_client, event_id) == ["api", "api"]


def test_several_named_tokens_are_recorded_by_name(app_client, monkeypatch):
    monkeypatch.setenv("KB_API_TOKEN", "alice:token-of-alice, bob:token-of-bob")
    response = app_client.post("/articles", json=ARTICLE, headers=_bearer("token-of-alice"))
    assert response.status_code == 201, response.text
    event_id = response.json()["events"][0]["id"]
    assert app_client.patch(f"/events/{event_id}", json={"confidence": 0.4}, headers=_bearer("token-of-bob")).status_code == 200
    assert app_client.patch(f"/events/{event_id}", json={"confidence": 0.3}, headers=_bearer("token-of-alice")).status_code == 200
    assert _history_actors(app_client, event_id) == ["alice", "bob", "alice"]
    for wrong in ("alice", "alice:token-of-alice", "token-of-carol"):
        assert app_client.patch(f"/events/{event_id}", json={"confidence": 0.1}, headers=_bearer(wrong)).status_code == 401


def test_a_malformed_token_list_disables_writes_without_showing_secrets(app_client, monkeypatch):
    for value in ("alice:", "alice:zq1,alice:zq2", "alice:zq1,bob:zq1", "zq1,zq2", "al ice:zq1"):
        monkeypatch.setenv("KB_API_TOKEN", value)
        response = app_client.post("/articles", json=ARTICLE, headers=_bearer("zq1"))
        assert response.status_code == 403, value
        assert "KB_API_TOKEN" in response.json()["detail"] and "zq" not in response.text, value


def test_token_lists_are_read_by_name_and_token():
    assert parse_tokens("s3cret") == ((b"s3cret", "api"),)
    assert parse_tokens(" alice : one ,bob:two ") == ((b"one", "alice"), (b"two", "bob"))
    assert parse_tokens("ci:to:ken") == ((b"to:ken", "ci"),)  # a token may hold a colon after a name
    with pytest.raises(TokenConfigError, match="entry 2"):
        parse_tokens("alice:one,:two")


def test_every_configured_token_is_compared_in_constant_time(app_client, monkeypatch):
    calls, compare_digest = [], hmac.compare_digest

    def counting_compare(a, b):
        calls.append((a, b))
        return compare_digest(a, b)

    monkeypatch.setattr(api.auth.hmac, "compare_digest", counting_compare)
    monkeypatch.setenv("KB_API_TOKEN", "alice:token-of-alice,bob:token-of-bob,carol:token-of-carol")
    for presented in ("token-of-alice", "token-of-carol", "nobody"):
        calls.clear()
        app_client.patch("/events/999999", json={"confidence": 0.5}, headers=_bearer(presented))
        # No early exit on a match: the time taken does not depend on which token matched.
        assert [b for _, b in calls] == [b"token-of-alice", b"token-of-bob", b"token-of-carol"]
