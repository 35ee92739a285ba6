"""xinyong db: schema migrations and reference data."""

from __future__ import annotations

import typer

from xinyong import migrate
from xinyong.catalog import service as catalog_service
from xinyong.catalog.definitions import load_occupational_groups
from xinyong.cli.common import console, engine_for, handle_errors, session_scope, settings
from xinyong.lists import service as lists_service
from xinyong.lists.definitions import load_list_types
from xinyong.measures import service as measures_service
from xinyong.measures.definitions import load_measures
from xinyong.subjects import service as subjects_service
from xinyong.system.service import load_keyring

app = typer.Typer(help="数据库结构升级与基础数据", no_args_is_help=True)


def upgrade_database() -> None:
    """Run migrations, make sure keys exist, and load the shipped reference data."""
    s = settings()
    migrate.upgrade(engine_for(s.database_url))
    with session_scope() as session:
        load_keyring(session, s, create=True)
        changed = catalog_service.sync_builtin(session)
        groups = subjects_service.sync_occupational_groups(session, load_occupational_groups())
        lists_changed = lists_service.sync_list_types(session, load_list_types(), deactivate_missing=False)
        measures_changed = measures_service.sync_measures(session, load_measures(), deactivate_missing=False)
    console.print(f"数据库已升级到最新版本（{migrate.current_revision(engine_for(s.database_url))}）；"
                  f"目录类型更新 {len(changed)} 个，重点人群更新 {groups} 个，名单类型更新 {len(lists_changed)} 个，"
                  f"奖惩措施更新 {len(measures_changed)} 个。")


@app.command("upgrade")
@handle_errors
def upgrade() -> None:
    """升级数据库结构到最新版本，首次运行时生成密钥文件并载入内置目录。"""
    upgrade_database()


@app.command("current")
@handle_errors
def current() -> None:
    """显示数据库当前的结构版本。"""
    console.print(migrate.current_revision(engine_for(settings().database_url)) or "（尚未初始化）")
