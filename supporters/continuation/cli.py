"""``flask supporters ask-continuation``: start the yearly continuation check (cron or shell)."""

import click
from flask import Flask

from supporters.extensions import db


def init_app(app: Flask) -> None:
    """Register the ``supporters`` command group."""

    @app.cli.group("supporters")
    def supporters_group():
        """Supporters: the yearly continuation check."""

    @supporters_group.command("ask-continuation")
    @click.option(
        "--fiscal-year",
        type=click.IntRange(2000, 2100),
        help="Fiscal year to ask about (default: the current one, April to March JST).",
    )
    def ask_continuation(fiscal_year):
        """Ask every certified supporter whether they continue (those asked already are skipped)."""
        from supporters.clock import fiscal_year as current_fiscal_year
        from supporters.clock import today_jst
        from supporters.continuation.service import start_check

        year = fiscal_year or current_fiscal_year(today_jst())
        started = start_check(year, None)
        db.session.commit()
        click.echo(
            f"FY{year}: {started.asked} supporter(s) asked, "
            f"{started.already_asked} already asked before."
        )
