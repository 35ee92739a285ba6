"""xinyong jobs: idempotent periodic work (cron-friendly)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from xinyong.calendar import get_default_calendar
from xinyong.cli.common import console, handle_errors, session_scope
from xinyong.cli.webhooks import deliver_webhooks
from xinyong.config import get_settings
from xinyong.errors import InvalidInput
from xinyong.lists.tasks import run_list_jobs
from xinyong.queries.tasks import purge_query_logs
from xinyong.records.tasks import expire_publications
from xinyong.repairs.tasks import mark_overdue_repairs

app = typer.Typer(help="定时任务", no_args_is_help=True)

LIST_LABELS = {
    "expired": "名单有效期届满退出",
    "watch_after_black": "严重失信主体名单退出后转入重点关注名单",
    "red_removed": "因转入重点关注名单移出红名单",
    "warning_exited": "不再符合条件退出信用预警名单",
    "warning_added": "列入信用预警名单",
    "escalated": "重点关注期间再次严重失信、提出列入严重失信主体名单",
    "escalation_skipped": "所在领域无严重失信主体名单类型、需人工研判",
}


@app.command("run")
@handle_errors
def run(today: Annotated[str | None, typer.Option("--today", help="按指定日期运行（YYYY-MM-DD），默认今天")] = None) -> None:
    """运行所有到期任务：公示期满下线、名单到期退出与派生名单等。可重复运行，结果不变。"""
    try:
        day = dt.date.fromisoformat(today) if today else dt.date.today()
    except ValueError as exc:
        raise InvalidInput(f"日期格式应为 YYYY-MM-DD，实为“{today}”") from exc
    with session_scope() as session:
        expired = expire_publications(session, day)
        lists = run_list_jobs(session, day, get_default_calendar())
        overdue_repairs = mark_overdue_repairs(session, day)
        purged = purge_query_logs(session, day, get_settings().query_log_years)
    console.print(f"{day.isoformat()}：公示期满下线 {expired:,} 条。")
    for key, count in lists.items():
        console.print(f"  {LIST_LABELS.get(key, key)} {count:,} 条。")
    console.print(f"  信用修复申请超过受理或决定期限、标记逾期 {overdue_repairs:,} 条。")
    console.print(f"  超过保存期限的查询日志删除 {purged['query_logs']:,} 条，过期验证码删除 {purged['one_time_codes']:,} 条。")
    # After the list moves are committed: their change events are what the webhooks deliver.
    hooks = deliver_webhooks()
    console.print(f"  名单变更推送：新排队 {hooks['queued']:,} 条，送达 {hooks['delivered']:,} 条，"
                  f"待重试 {hooks['retrying']:,} 条，失败 {hooks['failed']:,} 条。")
