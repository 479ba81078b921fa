"""``flask coverage import-residents FILE --as-of YYYY-MM-DD [--dry-run]``."""

from datetime import date

import click
from flask import Flask

from supporters.extensions import db


def init_app(app: Flask) -> None:
    """Register the ``coverage`` command group."""

    @app.cli.group("coverage")
    def coverage_group():
        """Coverage: foreign-resident figures."""

    @coverage_group.command("import-residents")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--as-of", "as_of", required=True, help="Date of the figures (YYYY-MM-DD).")
    @click.option("--source", default="", help="Where the figures come from.")
    @click.option("--dry-run", is_flag=True, help="Check the file and import nothing.")
    def import_command(path: str, as_of: str, source: str, dry_run: bool):
        """Import foreign residents by municipality × nationality from a CSV, all or nothing.

        Re-importing a date replaces that date's figures. Exits 1 if any row is wrong.
        """
        from supporters.coverage.residents import ImportFileError, import_residents

        try:
            day = date.fromisoformat(as_of)
        except ValueError as error:
            raise click.BadParameter("use YYYY-MM-DD", param_hint="--as-of") from error
        with open(path, "rb") as fh:
            data = fh.read()
        try:
            result = import_residents(data, day, source, by=None, dry_run=dry_run)
        except ImportFileError as error:
            raise click.ClickException(str(error)) from error
        for error in result.errors:
            click.echo(f"line {error.line}: {error.message}", err=True)
        if result.errors:
            db.session.rollback()
            raise click.ClickException(f"{len(result.errors)} wrong row(s); nothing imported.")
        summary = (
            f"{len(result.rows)} rows, {result.municipalities} municipalities, "
            f"{result.total_residents} residents as of {day.isoformat()}"
        )
        if dry_run:
            db.session.rollback()
            click.echo(f"Dry run: {summary}; {result.replaced} stored rows would be replaced.")
            return
        db.session.commit()
        click.echo(f"Imported {summary}; {result.replaced} earlier rows replaced.")
