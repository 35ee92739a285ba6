"""What every CLI command shares: settings, one unit of work, clear errors."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from xinyong.config import Settings, get_settings
from xinyong.crypto import Keyring
from xinyong.db import make_engine, make_session_factory, unit_of_work
from xinyong.errors import XinyongError
from xinyong.logs import configure_logging
from xinyong.system.service import load_keyring

console = Console()
err_console = Console(stderr=True)
CLI_ACTOR = "cli"
F = TypeVar("F", bound=Callable[..., Any])


def settings() -> Settings:
    """Settings from the environment."""
    s = get_settings()
    configure_logging(s.log_level, s.log_json)
    return s


@functools.lru_cache(maxsize=4)
def engine_for(url: str) -> Engine:
    """One engine per URL for the process."""
    return make_engine(url)


@contextmanager
def session_scope() -> Iterator[Session]:
    """One unit of work for a command."""
    factory = make_session_factory(engine_for(settings().database_url))
    with unit_of_work(factory) as session:
        yield session


def keyring_for(session: Session) -> Keyring:
    """Verified keyring, or a clear stop."""
    return load_keyring(session, settings())


def handle_errors(func: F) -> F:
    """Print XinyongError as a Chinese message and exit 1 instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except XinyongError as exc:
            err_console.print(f"[bold red]错误[/]({exc.code}):{exc.message}")
            raise typer.Exit(1) from exc

    return wrapper  # type: ignore[return-value]
