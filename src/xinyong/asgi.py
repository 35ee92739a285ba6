"""ASGI entry point for process managers: uvicorn xinyong.asgi:app."""

from __future__ import annotations

from xinyong.app import create_app

app = create_app()
