"""``flask backup PATH`` and ``flask restore PATH [--force]``."""

from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy.engine import make_url

from supporters import audit
from supporters.extensions import db
from supporters.ops.backup import BackupError, backup, restore


def _database() -> str:
    return current_app.config["SQLALCHEMY_DATABASE_URI"]


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@dataclass(frozen=True)
class RestoredBackup:
    """What the audit event of a restore names: the backup file."""

    id: str


def _note_restore(outcome) -> None:
    """Write the restore into the restored database's own audit trail (the trail it brought
    back ends at the backup; this says when and from which file it was replaced)."""
    audit.record(
        "database_restored",
        RestoredBackup(outcome.path.name),
        detail=f"{outcome.backend}, {outcome.size} bytes",
        user=None,
        channel="cli",
    )
    db.session.commit()


def init_app(app: Flask) -> None:
    """Register ``backup`` and ``restore``."""

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
    def backup_command(path: Path, force: bool):
        """Write a consistent copy of the database to PATH while the app keeps running."""
        try:
            outcome = backup(_database(), path, overwrite=force)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Backed up {_shown(_database())} to {outcome.path} ({outcome.size:,} bytes).")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Replace a database that already holds data.")
    def restore_command(path: Path, force: bool):
        """Replace the database with the backup at PATH (stop the web and worker processes)."""
        db.session.remove()
        db.engine.dispose()  # this process keeps no connection the restore would wait for
        try:
            outcome = restore(_database(), path, force=force)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        _note_restore(outcome)
        click.echo(f"Restored {_shown(_database())} from {outcome.path}.")
