"""``flask requests sweep``: expire lapsed offers and escalate unanswered requests (for cron)."""

import click
from flask import Flask

from supporters.extensions import db


def init_app(app: Flask) -> None:
    """Register the ``requests`` command group."""

    @app.cli.group("requests")
    def requests_group():
        """Help requests: scheduled housekeeping."""

    @requests_group.command("sweep")
    def sweep():
        """Expire offers past their deadline; requests nobody accepted become unfilled."""
        from supporters.help_requests import offers

        expired, unfilled = offers.sweep()
        db.session.commit()
        click.echo(f"Requests: {expired} offer(s) expired, {unfilled} request(s) now unfilled.")
