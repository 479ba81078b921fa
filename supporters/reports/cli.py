"""``flask report monthly YYYY-MM --format pdf --out FILE``: the report for scheduled sending;
``flask report rollups``: rewrite the closed months' case rollups (``reports/rollups.py``).

The files go to officials, so the figures are suppressed unless ``--exact`` is given (internal use).
"""

from pathlib import Path

import click
from flask import Flask, current_app
from flask_babel import force_locale

from supporters.programme.option import programme_option


def init_app(app: Flask) -> None:
    """Register the ``report`` command group."""

    @app.cli.group("report")
    def report_group():
        """Reports for officials."""

    @report_group.command("monthly")
    @click.argument("month")
    @click.option("--to", "last", default=None, help="Last month of a range (YYYY-MM).")
    @click.option(
        "--format", "fmt", type=click.Choice(["pdf", "csv", "xlsx", "json"]), default="pdf"
    )
    @click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
    @click.option("--lang", type=click.Choice(["ja", "en"]), default="ja")
    @click.option("--exact", is_flag=True, help="Exact small counts (not for officials).")
    @click.option(
        "--municipality",
        "municipalities",
        multiple=True,
        help="Limit to a municipality (JIS code); repeat for several, as an officer's report.",
    )
    @programme_option
    def monthly_command(month, last, fmt, out, lang, exact, municipalities):
        """Write the report of MONTH (or MONTH to --to) to --out."""
        from supporters.reports.monthly import build_report
        from supporters.reports.render import render
        from supporters.reports.suppression import suppressed_report
        from supporters.stipends.months import months_between, parse_month

        try:
            first = parse_month(month)
            end = parse_month(last) if last else first
        except ValueError as error:
            raise click.BadParameter(str(error)) from error
        if end < first:
            raise click.BadParameter("--to is before MONTH")
        scope = frozenset(municipalities) if municipalities else None
        with force_locale(lang):
            if exact:
                report = build_report(first, end, scope=scope, locale=lang)
            else:
                threshold = current_app.config["REPORT_SUPPRESS_BELOW"]
                report = suppressed_report(first, end, threshold, scope, lang)
            data = render(report, fmt)
        out.write_bytes(data)
        months = len(months_between(first, end))
        click.echo(f"{out}: {fmt}, {months} month(s), {len(data):,} bytes")

    @report_group.command("rollups")
    def rollups_command():
        """Rewrite the case rollups of every closed month (after an upgrade or a repair), each
        programme's in its own context."""
        from supporters import tenancy
        from supporters.extensions import db
        from supporters.reports.rollups import rebuild

        written = tenancy.for_each_programme(rebuild)
        db.session.commit()
        months = sum(len(each) for each in written.values())
        click.echo(f"rollups written for {months} closed month(s)")
