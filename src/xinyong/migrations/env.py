"""Alembic environment: runs against the connection or URL handed in by xinyong.migrate."""

from __future__ import annotations

from typing import Any

from alembic import context

from xinyong.db import StrEnumType, make_engine
from xinyong.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    """Run online, on a given connection when there is one."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    # Migrations store enums as plain strings so they never import application enums.
    if type_ == "type" and isinstance(obj, StrEnumType):
        return f"sa.String(length={obj.impl.length})"
    return False


def _run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite can only ALTER tables by copying them
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
