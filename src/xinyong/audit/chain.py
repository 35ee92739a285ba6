"""The hash chain of audit events: canonical form of an event and its hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

GENESIS = "0" * 64  # prev_hash of the first event


def normalise_detail(detail: dict[str, Any] | None) -> dict[str, Any]:
    """Detail as it will read back from the database (JSON types only), so the hash survives storage."""
    return json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str))


def timestamp(moment: dt.datetime) -> str:
    """Fixed-width UTC text of a time, identical on SQLite and PostgreSQL (microseconds)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(*, seq: int, prev_hash: str, occurred_at: dt.datetime, actor: str, action: str,
               entity_type: str, entity_id: str | None, detail: dict[str, Any]) -> str:
    """sha256 over the canonical JSON of an event's fields, including its place in the chain."""
    canonical = json.dumps(
        [seq, prev_hash, timestamp(occurred_at), actor, action, entity_type, entity_id, detail],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
