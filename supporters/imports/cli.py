"""``flask import KIND FILE [--dry-run] [--as-of YYYY-MM-DD] [--source TEXT]``."""

import os
from datetime import date

import click
from flask import Flask
from flask_babel import force_locale

from supporters.extensions import db
from supporters.programme.option import programme_option


def init_app(app: Flask) -> None:
    """Register the ``import`` command."""
    from supporters.imports.kinds import IMPORTERS

    @app.cli.command("import")
    @click.argument("kind", type=click.Choice(sorted(IMPORTERS)))
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="Check the file and import nothing.")
    @click.option("--as-of", "as_of", help="Date of resident figures (YYYY-MM-DD).")
    @click.option("--source", default="", help="Where resident figures come from.")
    @click.option("--lang", default="ja", help="Language of the messages (ja or en).")
    @click.option(
        "--sheet", default=None, help="The workbook's sheet to read (XLSX; default: the first)."
    )
    @programme_option
    def import_command(kind, path, dry_run, as_of, source, lang, sheet):
        """Import a CSV or XLSX file of municipalities, supporters, residents or activities,
        all or nothing.

        Every wrong row is listed with its line number; exits 1 and imports nothing if any.
        """
        with force_locale(lang):
            _import(kind, path, dry_run, as_of, source, sheet)

    def _import(
        kind: str, path: str, dry_run: bool, as_of: str | None, source: str, sheet: str | None
    ) -> None:
        from supporters.imports import reading
        from supporters.imports.kinds import import_file
        from supporters.refusals import Refused

        limit = reading.max_bytes()
        if os.path.getsize(path) > limit:  # refused before anything is read
            raise click.ClickException(reading.too_large_message(limit))
        options = {}
        if kind == "residents":
            try:
                day = date.fromisoformat(as_of) if as_of else None
            except ValueError as error:
                raise click.BadParameter("use YYYY-MM-DD", param_hint="--as-of") from error
            options = {"as_of": day, "source": source}
        try:
            with open(path, "rb") as fh:
                data = reading.read_limited(fh, limit)
            result = import_file(kind, data, None, dry_run=dry_run, sheet=sheet, **options)
        except reading.ImportFileError as error:
            raise click.ClickException(str(error)) from error
        except Refused as refusal:  # the import's options (resident figures: --as-of, --source)
            raise click.ClickException(" ".join(refusal.field_messages().values())) from refusal
        # One commit or none: a refused or dry run has already undone its writes in the import.
        if result.saved:
            db.session.commit()
        for error in result.errors:
            click.echo(f"line {error.line}: {error.message}", err=True)
        if result.errors:
            raise click.ClickException(f"{len(result.errors)} wrong row(s); nothing imported.")
        for note in result.notes:
            click.echo(note)
        if dry_run:
            click.echo(f"Dry run, nothing imported. {result.summary}")
            return
        click.echo(f"Imported {kind}. {result.summary}")
