"""Abuse protection (F15): per-IP sliding-window rate limit on public paths, and security headers everywhere."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Sequence
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Portal templates carry small <style> blocks; scripts only from our own origin. Swagger UI at /docs
# starts itself with one inline script, so that page alone may run inline script.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
CSP_DOCS = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"strict-origin-when-cross-origin"),
           (b"x-frame-options", b"DENY"), (b"cross-origin-opener-policy", b"same-origin")]
TOO_MANY = "查询过于频繁，请稍后再试（每个IP每分钟最多{limit}次）"


class SlidingWindow:
    """Timestamps of recent hits per key; thread-safe, in process (one window per server worker)."""

    def __init__(self, limit: int, seconds: float = 60.0) -> None:
        self.limit = limit
        self.seconds = seconds
        self._hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._checked = 0

    def allow(self, key: tuple[str, str], now: float | None = None) -> float:
        """0 when the hit is allowed (and counted), else the seconds until it would be."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - self.seconds:
                hits.popleft()
            self._checked += 1
            if self._checked % 10_000 == 0:
                self._forget_idle(now)
            if len(hits) >= self.limit:
                return max(0.001, hits[0] + self.seconds - now)
            hits.append(now)
            return 0.0

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.seconds]:
            del self._hits[key]


def client_ip(scope: Scope, trust_forwarded: bool) -> str:
    """The caller's address; X-Forwarded-For's first hop only when the proxy in front is trusted."""
    if trust_forwarded:
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":
                return value.decode("latin-1").split(",")[0].strip()
    client = scope.get("client")
    return client[0] if client else "unknown"


class SecurityMiddleware:
    """Pure ASGI (no per-request task hop): headers on every response, 429 past the limit on listed paths."""

    def __init__(self, app: ASGIApp, *, limit: int, paths: Sequence[str], trust_forwarded: bool = False) -> None:
        self.app = app
        self.window = SlidingWindow(limit)
        self.paths = tuple(sorted(paths, key=len, reverse=True))
        self.trust_forwarded = trust_forwarded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        csp = (CSP_DOCS if path == "/docs" else CSP).encode()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"content-security-policy", csp), *HEADERS]
            await send(message)

        prefix = next((p for p in self.paths if path == p or path.startswith(p.rstrip("/") + "/")), None)
        if prefix is not None:
            wait = self.window.allow((client_ip(scope, self.trust_forwarded), prefix))
            if wait:
                response = _too_many(scope, TOO_MANY.format(limit=self.window.limit), wait)
                await response(scope, receive, send_with_headers)
                return
        await self.app(scope, receive, send_with_headers)


def _too_many(scope: Scope, detail: str, wait: float) -> Any:
    from starlette.requests import Request
    from starlette.responses import JSONResponse

    headers = {"Retry-After": str(int(wait) + 1)}
    if scope["path"].startswith("/api/"):
        return JSONResponse({"error": "rate_limited", "detail": detail}, status_code=429, headers=headers)
    from xinyong.web import render

    response = render(Request(scope), "error.html", {"status": 429, "code": "rate_limited", "detail": detail},
                      status_code=429)
    response.headers.update(headers)
    return response
