"""Closed-loop HTTP/1.1 load generator (keep-alive, N connections, fixed duration) printing one JSON line.

Run in its own process:  python bench/loadgen.py --url http://127.0.0.1:8000/api/v1/ping [--connections 64]
                         [--duration 20] [--warmup 2] [--requests FILE] [--header 'Name: value'] [--timeout 30]
--requests names a JSON file with a list of {"method", "path", "body"} picked at random per request; without
it every request is a GET of the URL's path. Each connection sends a request, reads the whole answer
(Content-Length or chunked) and sends the next, like wrk. A non-2xx status, a broken connection and an
answer slower than --timeout are errors; broken connections are reopened. Latencies are measured per request
with perf_counter; the warm-up requests are not counted. Uses uvloop when installed; plain asyncio protocols
keep the client's own CPU low, because it shares the machine's cores with the server it loads.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from urllib.parse import urlsplit


class Stats:
    """Latencies of the successful requests and the error count, once the warm-up is over."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self.statuses: dict[int, int] = {}
        self.counting = False
        self.error_samples: list[str] = []
        self.answered = 0  # every answer, warm-up included (to share the server's CPU time out per request)
        self.ok = 0  # 2xx answers, warm-up included


class Connection(asyncio.Protocol):
    """One keep-alive connection; `send` resolves with (status, body) once the full answer is read."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.waiter and not self.waiter.done():
            self.waiter.set_exception(ConnectionError(str(exc or "connection closed")))

    def send(self, data: bytes) -> asyncio.Future[tuple[int, bytes]]:
        self.buffer.clear()
        self.waiter = asyncio.get_running_loop().create_future()
        assert self.transport is not None
        self.transport.write(data)
        return self.waiter

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        answer = self._parse()
        if answer is not None and self.waiter and not self.waiter.done():
            self.waiter.set_result(answer)

    def _parse(self) -> tuple[int, bytes] | None:
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return None
        head = bytes(self.buffer[:head_end]).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
        body_start = head_end + 4
        if "content-length" in headers:
            end = body_start + int(headers["content-length"])
            return (status, bytes(self.buffer[body_start:end])) if len(self.buffer) >= end else None
        if headers.get("transfer-encoding", "").lower() == "chunked":
            if not self.buffer.endswith(b"0\r\n\r\n"):
                return None
            return status, _dechunk(bytes(self.buffer[body_start:]))
        return status, b""


def _dechunk(raw: bytes) -> bytes:
    out, pos = bytearray(), 0
    while True:
        line_end = raw.index(b"\r\n", pos)
        size = int(raw[pos:line_end].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += raw[line_end + 2:line_end + 2 + size]
        pos = line_end + 2 + size + 2


def build_requests(host: str, port: int, path: str, headers: list[str], spec: list[dict] | None) -> list[bytes]:
    """Raw request bytes, ready to write."""
    extra = "".join(f"{h}\r\n" for h in headers)
    if not spec:
        return [f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n".encode()]
    out = []
    for item in spec:
        body = json.dumps(item.get("body"), ensure_ascii=False).encode() if item.get("body") is not None else b""
        head = (f"{item.get('method', 'POST')} {item['path']} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
        out.append(head.encode() + body)
    return out


async def worker(host: str, port: int, requests: list[bytes], stats: Stats, stop_at: float, seed: int,
                 timeout: float) -> None:
    """Send requests back to back on one connection until the deadline."""
    rng = random.Random(seed)
    loop = asyncio.get_running_loop()
    conn: Connection | None = None
    while time.perf_counter() < stop_at:
        try:
            if conn is None or conn.lost:
                _, conn = await loop.create_connection(Connection, host, port)
            start = time.perf_counter()
            status, body = await asyncio.wait_for(conn.send(requests[rng.randrange(len(requests))]), timeout)
            elapsed = time.perf_counter() - start
        except (ConnectionError, OSError, TimeoutError) as exc:
            if conn is not None and conn.transport is not None:
                conn.transport.close()
            if stats.counting:
                stats.errors += 1
                if len(stats.error_samples) < 5:
                    stats.error_samples.append(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
            conn = None
            await asyncio.sleep(0.01)
            continue
        stats.answered += 1
        stats.ok += 200 <= status < 300
        if not stats.counting:
            continue
        stats.statuses[status] = stats.statuses.get(status, 0) + 1
        if 200 <= status < 300:
            stats.latencies.append(elapsed)
        else:
            stats.errors += 1
            if len(stats.error_samples) < 5:
                stats.error_samples.append(f"HTTP {status}: {body[:200].decode('utf-8', 'replace')}")
    if conn is not None and conn.transport is not None:
        conn.transport.close()


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(0, min(len(sorted_values) - 1, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


async def run(url: str, connections: int, duration: float, warmup: float, headers: list[str],
              spec: list[dict] | None, timeout: float = 30.0) -> dict:
    """Warm up, then count for `duration` seconds; return the figures."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    requests = build_requests(host, port, parts.path or "/", headers, spec)
    stats = Stats()
    start = time.perf_counter()
    stop_at = start + warmup + duration
    tasks = [asyncio.create_task(worker(host, port, requests, stats, stop_at, i, timeout))
             for i in range(connections)]
    await asyncio.sleep(warmup)
    stats.counting = True
    counted_from = time.perf_counter()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - counted_from
    lat = sorted(stats.latencies)
    ms = 1000.0
    return {
        "url": url, "connections": connections, "seconds": round(elapsed, 2), "requests": len(lat),
        "rps": round(len(lat) / elapsed, 1), "errors": stats.errors, "statuses": stats.statuses,
        "p50_ms": round(percentile(lat, 50) * ms, 2), "p95_ms": round(percentile(lat, 95) * ms, 2),
        "p99_ms": round(percentile(lat, 99) * ms, 2), "max_ms": round((lat[-1] if lat else 0.0) * ms, 2),
        "answered_incl_warmup": stats.answered,
        "ok_incl_warmup": stats.ok, "error_samples": stats.error_samples,
    }


def main() -> None:
    """Parse arguments, run, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--requests", help="JSON file: list of {method, path, body}")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a request counts as an error")
    args = parser.parse_args()
    spec = None
    if args.requests:
        with open(args.requests, encoding="utf-8") as f:
            spec = json.load(f)
    try:
        from uvloop import run as run_loop
    except ImportError:
        run_loop = asyncio.run
    result = run_loop(run(args.url, args.connections, args.duration, args.warmup, args.header, spec, args.timeout))
    print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
