"""In-process CLI runs against a fresh, upgraded database of one backend (CliRunner, shell-like environment)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import drop_pg_database, empty_database_url
from xinyong.cli import common
from xinyong.cli.main import app
from xinyong.config import get_settings


class Cli:
    """Runs commands with the environment a shell would give them."""

    def __init__(self, env: dict[str, str], url: str) -> None:
        self.env, self.url = env, url

    def run(self, *args: str) -> tuple[int, str]:
        """Exit code and everything printed."""
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(app, list(args), env=self.env, catch_exceptions=False)
        finally:
            get_settings.cache_clear()
        return result.exit_code, result.stdout + result.stderr


def upgraded_cli(backend: str, folder: Path) -> Iterator[Cli]:
    """A Cli on a new database after `db upgrade`; the database is dropped afterwards."""
    url = empty_database_url(backend, folder)
    runner = Cli({"XINYONG_DATABASE_URL": url, "XINYONG_KEY_FILE": str(folder / "k.key"), "COLUMNS": "200",
                  "NO_COLOR": "1"}, url)
    try:
        assert runner.run("db", "upgrade")[0] == 0
        yield runner
    finally:
        common.engine_for(url).dispose()
        common.engine_for.cache_clear()
        if backend == "postgresql":
            drop_pg_database(url)
