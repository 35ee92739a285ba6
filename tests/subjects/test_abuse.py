"""Abuse protection: per-IP rate limit on public query paths, and security headers on every response."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Connection

from xinyong.app import create_app
from xinyong.config import Settings
from xinyong.crypto import Keyring
from xinyong.db import make_session_factory
from xinyong.security import SlidingWindow


@pytest.fixture()
def limited(connection: Connection, settings: Settings, keyring: Keyring) -> Iterator[TestClient]:
    """A client on an app allowing 3 limited requests per IP per minute."""
    factory = make_session_factory(connection, join_transaction_mode="create_savepoint")
    app = create_app(settings.model_copy(update={"rate_limit_per_minute": 3}), session_factory=factory,
                     keyring=keyring)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_search_api_answers_429_in_chinese_json(limited: TestClient) -> None:
    for _ in range(3):
        assert limited.get("/api/v1/search", params={"q": "漳州"}).status_code == 200
    refused = limited.get("/api/v1/search", params={"q": "漳州"})
    assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
    assert "查询过于频繁" in refused.json()["detail"] and int(refused.headers["retry-after"]) >= 1
    assert refused.headers["x-content-type-options"] == "nosniff"
    # Other paths are not limited, and each prefix has its own window.
    assert limited.get("/api/v1/ping").status_code == 200
    assert limited.get("/search", params={"q": "漳州"}).status_code == 200


def test_portal_search_and_report_downloads_get_the_chinese_page(limited: TestClient) -> None:
    for _ in range(3):
        limited.get("/search", params={"q": "漳州"})
        limited.get("/reports/subjects/x.pdf")
    page = limited.get("/search", params={"q": "漳州"})
    assert page.status_code == 429 and "查询过于频繁" in page.text and "<html" in page.text.lower()
    assert limited.get("/reports/subjects/x.pdf").status_code == 429


def test_forwarded_address_only_counts_behind_a_trusted_proxy(connection: Connection, settings: Settings,
                                                              keyring: Keyring) -> None:
    factory = make_session_factory(connection, join_transaction_mode="create_savepoint")
    for trusted, expected in ((False, 429), (True, 200)):
        app = create_app(settings.model_copy(update={"rate_limit_per_minute": 2,
                                                     "rate_limit_trust_forwarded": trusted}),
                         session_factory=factory, keyring=keyring)
        with TestClient(app) as c:
            codes = [c.get("/api/v1/search", params={"q": "漳州"},
                           headers={"X-Forwarded-For": f"10.0.0.{i}, 10.9.9.9"}).status_code for i in range(3)]
        assert codes[-1] == expected


def test_sliding_window_frees_up_after_a_minute() -> None:
    window = SlidingWindow(2, 60)
    key = ("1.2.3.4", "/search")
    assert window.allow(key, 0.0) == 0 and window.allow(key, 10.0) == 0
    assert window.allow(key, 20.0) == pytest.approx(40.0)
    assert window.allow(("5.6.7.8", "/search"), 20.0) == 0
    assert window.allow(key, 60.5) == 0


@pytest.mark.parametrize("path", ["/", "/search?q=%E6%BC%B3%E5%B7%9E", "/api/v1/search?q=ab", "/no-such-page",
                                  "/api/v1/openapi.json", "/static/swagger/favicon.png"])
def test_security_headers_on_every_response(client: TestClient, path: str) -> None:
    answer = client.get(path)
    csp = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "script-src 'self';" in csp
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert answer.headers["x-frame-options"] == "DENY"


def test_swagger_page_alone_may_run_its_inline_script(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200 and "script-src 'self' 'unsafe-inline'" in docs.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]
