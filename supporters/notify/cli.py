"""``flask outbox deliver`` (for cron) and ``flask outbox status``."""

import click
from flask import Flask
from flask.cli import AppGroup

from supporters.notify.delivery import deliver_pending, outbox_counts

outbox_group = AppGroup("outbox", help="Deliver queued messages and show the outbox.")


@outbox_group.command("deliver")
@click.option("--limit", default=100, show_default=True, help="Most messages to try in this run.")
def deliver_command(limit: int) -> None:
    """Send the messages that are due; print one line of counts."""
    click.echo(str(deliver_pending(limit=limit)))


@outbox_group.command("status")
def status_command() -> None:
    """Print how many messages are pending (and due now), sent and failed."""
    counts = outbox_counts()
    click.echo(
        f"Outbox: {counts['pending']} pending ({counts['due']} due now), "
        f"{counts['sent']} sent, {counts['failed']} failed."
    )


def init_app(app: Flask) -> None:
    """Register the ``outbox`` command group on the app."""
    app.cli.add_command(outbox_group)
