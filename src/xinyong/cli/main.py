"""The xinyong command line."""

from __future__ import annotations

import typer

from xinyong.cli import apikeys, calendar, catalog, db, demo, departments, jobs, lists, records, serve, users
from xinyong.cli import audit as audit_cli
from xinyong.cli import measures as measures_cli
from xinyong.cli import report as report_cli
from xinyong.cli import screen as screen_cli
from xinyong.cli import webhooks as webhooks_cli
from xinyong.objections import cli as objections_cli
from xinyong.repairs import cli as repairs_cli

app = typer.Typer(help="xinyong 公共信用信息平台", no_args_is_help=True, pretty_exceptions_show_locals=False)
app.add_typer(db.app, name="db")
app.add_typer(departments.app, name="departments")
app.add_typer(users.app, name="users")
app.add_typer(apikeys.app, name="apikeys")
app.add_typer(catalog.app, name="catalog")
app.add_typer(calendar.app, name="calendar")
app.add_typer(jobs.app, name="jobs")
app.add_typer(webhooks_cli.app, name="webhooks")
app.add_typer(lists.app, name="lists")
app.add_typer(measures_cli.app, name="measures")
app.add_typer(repairs_cli.app, name="repairs")
app.add_typer(objections_cli.app, name="objections")
app.add_typer(audit_cli.app, name="audit")
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.command("import")(records.import_file)
app.command("screen")(screen_cli.screen)
app.command("report")(report_cli.report)

if __name__ == "__main__":
    app()
