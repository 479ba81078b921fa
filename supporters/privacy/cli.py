"""``flask privacy purge``: anonymise requests whose retention period has ended (for cron)."""

from datetime import date

import click
from flask import Flask

from supporters.clock import today_jst


def init_app(app: Flask) -> None:
    """Register the ``privacy`` command group."""

    @app.cli.group("privacy")
    def privacy_group():
        """Residents' personal data: retention."""

    @privacy_group.command("purge")
    @click.option("--dry-run", is_flag=True, help="List what would be anonymised; change nothing.")
    @click.option(
        "--today",
        "today_text",
        metavar="YYYY-MM-DD",
        help="Run as if today were this date (JST); default: today.",
    )
    @click.option("--years", type=click.IntRange(min=1), help="Override RETENTION_YEARS.")
    @click.option("--batch-size", type=click.IntRange(min=1), default=200, show_default=True)
    def purge(dry_run: bool, today_text: str | None, years: int | None, batch_size: int):
        """Anonymise finished requests past the retention period; safe to run again."""
        from supporters.clock import in_window
        from supporters.privacy import retention

        try:
            today = date.fromisoformat(today_text) if today_text else today_jst()
        except ValueError as error:
            raise click.BadParameter("expected YYYY-MM-DD", param_hint="--today") from error
        if not in_window(today):
            raise click.BadParameter("the date is out of range", param_hint="--today")
        years = years or retention.retention_years()
        result = retention.purge(today, years, dry_run=dry_run, batch_size=batch_size)
        verb = "would be anonymised" if dry_run else "anonymised"
        click.echo(
            f"Retention {years} fiscal year(s): requests finished before "
            f"{result.cutoff.date().isoformat()} (JST) are due."
        )
        for reference in result.references:
            click.echo(f"  {reference}")
        click.echo(f"{len(result.references)} request(s) {verb}.")
        if not dry_run:
            click.echo(f"{result.drafts_deleted} expired case-log draft(s) deleted.")
        if result.stale_open:
            click.echo(
                f"{len(result.stale_open)} open request(s) untouched since then were left alone; "
                "close or cancel them: " + ", ".join(result.stale_open)
            )
