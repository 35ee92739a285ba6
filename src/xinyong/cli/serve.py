"""xinyong serve: run the portal, console and API."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from xinyong.cli.common import console, handle_errors, session_scope, settings
from xinyong.cli.db import upgrade_database
from xinyong.subjects import repository as subjects_repository


@handle_errors
def serve(
    demo: Annotated[bool, typer.Option("--demo", help="先升级数据库，数据库为空时生成演示数据")] = False,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="工作进程数")] = 1,
) -> None:
    """启动平台（门户、工作台和接口）。"""
    if demo:
        upgrade_database()
        with session_scope() as session:
            empty = not subjects_repository.count_by_kind(session)
        if empty:
            from xinyong.cli.demo import run_demo

            run_demo(subjects=2000, seed=20261122)
    from xinyong.app import create_app

    app = create_app(settings())  # fail here, before binding, if the key is missing or wrong
    console.print(f"门户：http://{host}:{port}/   接口文档：http://{host}:{port}/docs")
    if workers > 1:
        uvicorn.run("xinyong.asgi:app", host=host, port=port, workers=workers, log_level="warning")
    else:
        uvicorn.run(app, host=host, port=port, log_level="info")
