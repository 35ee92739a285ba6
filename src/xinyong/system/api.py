"""Liveness endpoint: a constant JSON answer with no database work (also the load-test baseline)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["系统"])
PONG = {"status": "ok"}


@router.get("/ping", summary="存活检查")
async def ping() -> dict[str, str]:
    """Constant answer: the server is up."""
    return PONG
