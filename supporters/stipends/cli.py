"""``flask stipends close YYYY-MM [--to YYYY-MM]``: close months from a script or cron."""

import click
from flask import Flask

from supporters.extensions import db


def init_app(app: Flask) -> None:
    """Register the ``stipends`` command group."""

    @app.cli.group("stipends")
    def stipends_group():
        """Monthly stipends."""

    @stipends_group.command("close")
    @click.argument("month")
    @click.option("--to", "last", default=None, help="Close every month up to this one too.")
    def close_command(month: str, last: str | None):
        """Close MONTH (YYYY-MM), or MONTH to --to: one stipend line per eligible supporter.

        Idempotent: a closed month is left as it is. Each month is its own transaction.
        """
        from supporters.refusals import Refused
        from supporters.stipends.close import close_month
        from supporters.stipends.months import month_text, months_between, parse_month

        try:
            first = parse_month(month)
            end = parse_month(last) if last else first
        except ValueError as error:
            raise click.BadParameter(str(error)) from error
        if end < first:
            raise click.BadParameter("--to is before MONTH")
        for each in months_between(first, end):
            try:
                result = close_month(each, by=None)
                db.session.commit()
            except Refused as error:
                db.session.rollback()
                raise click.ClickException(str(error.message)) from error
            if result.already_closed:
                click.echo(f"{month_text(each)}: already closed, nothing changed.")
            else:
                click.echo(f"{month_text(each)}: closed, {result.lines_added} line(s) added.")
