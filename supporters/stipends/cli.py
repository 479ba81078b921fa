"""``flask stipends close YYYY-MM [--to YYYY-MM]``: close months from a terminal, a script or cron.

The same rule as the console and the API (``close.confirm_close``): each month's preview is
printed first — who is paid how much, who cannot be paid and why, how many case logs get locked,
and the preview's fingerprint — and the month is closed only once that preview is confirmed:
at the prompt, with ``--yes`` (scripts: the preview just printed is the one confirmed), or with
``--confirm FINGERPRINT`` from an earlier ``--preview`` run, refused when the month has changed
since (nothing is closed then).
"""

import click
from flask import Flask

from supporters.extensions import db
from supporters.programme.option import programme_option

PROBLEM_WORDS = {"no_bank_details": "no bank details", "holder_not_kana": "holder not in kana"}


def preview_lines(preview) -> list[str]:
    """The preview of a close as the terminal shows it (English, like every CLI message)."""
    from supporters.stipends.months import month_text

    month = month_text(preview.month)
    lines = [
        f"{month}: closing writes {preview.count} line(s), ¥{preview.total_yen:,} in all; "
        f"{len(preview.paid)} paid by transfer (¥{preview.paid_yen:,}), "
        f"{len(preview.unpayable)} cannot be paid yet.",
        f"{month}: closing locks {preview.locked_logs} case log(s) of the month.",
    ]
    for row in preview.paid:
        lines.append(
            f"  paid      #{row.supporter_id} {row.name}  ¥{row.amount_yen:,}  {row.masked_number}"
        )
    for row in preview.unpayable:
        why = PROBLEM_WORDS.get(row.problem, row.problem)
        lines.append(f"  NOT PAID  #{row.supporter_id} {row.name}  ¥{row.amount_yen:,}  {why}")
    lines.append(f"{month}: preview fingerprint {preview.token}")
    return lines


def init_app(app: Flask) -> None:
    """Register the ``stipends`` command group."""

    @app.cli.group("stipends")
    def stipends_group():
        """Monthly stipends."""

    @stipends_group.command("close")
    @click.argument("month")
    @click.option("--to", "last", default=None, help="Close every month up to this one too.")
    @click.option(
        "--yes", "-y", "assume_yes", is_flag=True, help="Confirm each printed preview unasked."
    )
    @click.option(
        "--preview", "preview_only", is_flag=True, help="Print the preview; close nothing."
    )
    @click.option(
        "--confirm",
        "token",
        default=None,
        help="Close only if the preview still has this fingerprint (one month).",
    )
    @programme_option
    def close_command(
        month: str, last: str | None, assume_yes: bool, preview_only: bool, token: str | None
    ):
        """Close MONTH (YYYY-MM), or MONTH to --to, after printing what the close does.

        Idempotent: a closed month is left as it is. Each month is its own transaction.
        """
        from supporters.stipends.months import month_text, months_between, parse_month

        try:
            first = parse_month(month)
            end = parse_month(last) if last else first
        except ValueError as error:
            raise click.BadParameter(str(error)) from error
        if end < first:
            raise click.BadParameter("--to is before MONTH")
        if token is not None and (end != first or preview_only):
            raise click.BadParameter("--confirm names one month's preview: no --to or --preview")
        for each in months_between(first, end):
            result = _close_one(each, assume_yes, preview_only, token)
            if result is None:
                continue
            if result.already_closed:
                click.echo(f"{month_text(each)}: already closed, nothing changed.")
            else:
                click.echo(f"{month_text(each)}: closed, {result.lines_added} line(s) added.")
            if result.unbacked:
                click.echo(
                    f"{month_text(each)}: {len(result.unbacked)} supporter(s) have a line the "
                    "rule no longer backs; correct them with an adjustment if needed."
                )


def _close_one(month, assume_yes: bool, preview_only: bool, token: str | None):
    """Print ``month``'s preview and close it once confirmed; None when only previewed."""
    from supporters.refusals import Refused
    from supporters.stipends import close
    from supporters.stipends.months import month_text

    try:
        close.check_month_over(month)
        if close.is_closed(month):
            return close.CloseResult(month, already_closed=True)
        preview = close.close_preview(month)
        click.echo("\n".join(preview_lines(preview)))
        db.session.rollback()  # no transaction stays open while a person reads the preview
        if preview_only:
            return None
        if token is None:
            if not assume_yes:
                click.confirm(f"Close {month_text(month)} as shown?", default=False, abort=True)
            token = preview.token
        result = close.confirm_close(month, token, True, by=None)
        db.session.commit()
    except Refused as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    return result
