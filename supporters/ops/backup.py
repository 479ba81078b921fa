"""Online, consistent backups and their restore: SQLite through its backup API, PostgreSQL
through ``pg_dump -Fc`` / ``pg_restore``.

Both work while the app serves: SQLite's backup API copies one consistent snapshot of the
pages, ``pg_dump`` reads in one repeatable-read snapshot. A backup is written to a temporary
file beside its target and renamed at the end, so a failed backup never leaves half a file that
looks whole. A restore refuses to overwrite a database that holds data unless forced.

Passwords never reach a command line: PostgreSQL connection settings go to ``pg_dump`` and
``pg_restore`` as libpq environment variables (``PGHOST``, ``PGPASSWORD`` …).
"""

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, inspect, literal, select, table
from sqlalchemy.engine import URL, make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
# libpq settings a DATABASE_URL may carry in its query string, passed as PG* variables.
LIBPQ_QUERY = ("host", "sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout")
IGNORED_TABLES = frozenset({"alembic_version"})


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why and what to do."""


@dataclass(frozen=True)
class Outcome:
    """What a backup or restore did, for the command to print."""

    backend: str
    path: Path
    size: int


def backend_of(url: str | URL) -> str:
    """``sqlite`` or ``postgresql`` (anything else is refused)."""
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def backup(url: str | URL, path: Path, overwrite: bool = False) -> Outcome:
    """Write a consistent copy of the database at ``url`` to ``path``."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise BackupError(f"{path} already exists; choose another name or pass --force")
    if not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist")
    backend = backend_of(url)
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if backend == "sqlite":
            _sqlite_backup(_sqlite_file(url), partial)
        else:
            _run(
                ["pg_dump", "--format=custom", "--lock-wait-timeout=60s", f"--file={partial}"], url
            )
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return Outcome(backend, path, path.stat().st_size)


def restore(url: str | URL, path: Path, force: bool = False) -> Outcome:
    """Replace the database at ``url`` with the backup at ``path``.

    Refused when the file is not a backup of this kind of database, and when the database
    already holds rows (any table but Alembic's) unless ``force``.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    backend = backend_of(url)
    kind = backup_kind(path)
    if kind != backend:
        found = kind or "not a Yorisoi backup"
        raise BackupError(f"{path} is {found}; the database is {backend}")
    if not force:
        filled = tables_with_rows(url)
        if filled:
            shown = ", ".join(filled[:5]) + (" …" if len(filled) > 5 else "")
            raise BackupError(
                f"the database already holds data ({len(filled)} tables with rows: {shown}). "
                "Restoring replaces all of it; run again with --force to do so."
            )
    if backend == "sqlite":
        _sqlite_restore(path, _sqlite_file(url))
    else:
        database = make_url(url).database
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={database}",
                str(path),
            ],
            url,
        )
    return Outcome(backend, path, path.stat().st_size)


def backup_kind(path: Path) -> str | None:
    """``sqlite`` or ``postgresql`` from the file's first bytes; None if neither."""
    with open(path, "rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    return None


def tables_with_rows(url: str | URL) -> list[str]:
    """The tables of the database that hold at least one row (Alembic's own excepted)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            names = sorted(set(inspect(connection).get_table_names()) - IGNORED_TABLES)
            return [
                name
                for name in names
                if connection.scalar(select(literal(1)).select_from(table(name)).limit(1))
            ]
    finally:
        engine.dispose()


# --- SQLite ---------------------------------------------------------------------------------------


def _sqlite_file(url: str | URL) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("an SQLite database kept in memory cannot be backed up")
    return Path(database)


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"the SQLite database {source} does not exist")
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writer = sqlite3.connect(target)
    try:
        # One step copies every page under one read lock: a consistent snapshot, while other
        # connections keep reading (and, in WAL mode, writing).
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()


def _sqlite_restore(source: Path, target: Path) -> None:
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        verdict = reader.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"{source} is damaged ({verdict}); nothing was restored")
        writer = sqlite3.connect(target, timeout=30)
        try:
            # The backup API writes the target in one transaction: readers see the old
            # database or the new one, never a mix.
            reader.backup(writer)
        finally:
            writer.close()
    finally:
        reader.close()


# --- PostgreSQL -----------------------------------------------------------------------------------


def pg_binary(name: str) -> str:
    """``name`` (pg_dump, pg_restore) from PATH, else the newest /usr/lib/postgresql/N/bin."""
    found = shutil.which(name)
    if found:
        return found
    folders = sorted(glob.glob(PG_BIN_GLOB), key=_version_key, reverse=True)
    for folder in folders:
        candidate = Path(folder) / name
        if os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupError(
        f"{name} was not found on PATH or in {PG_BIN_GLOB}; install the PostgreSQL client "
        "(Debian: apt-get install postgresql-client)"
    )


def _version_key(folder: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", folder))


def libpq_environment(url: str | URL) -> dict[str, str]:
    """The PG* variables that make libpq tools connect where ``url`` points."""
    parsed = make_url(url)
    env = {
        "PGHOST": parsed.host or "",
        "PGPORT": str(parsed.port or ""),
        "PGUSER": parsed.username or "",
        "PGPASSWORD": parsed.password or "",
        "PGDATABASE": parsed.database or "",
    }
    for key in LIBPQ_QUERY:
        value = parsed.query.get(key)
        if value:
            env[f"PG{key.upper()}"] = value if isinstance(value, str) else value[0]
    return {key: value for key, value in env.items() if value}


def _run(command: list[str], url: str | URL) -> None:
    binary = pg_binary(command[0])
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PG")  # only the URL decides where the tools connect
    }
    env.update(libpq_environment(url))
    result = subprocess.run(
        [binary, *command[1:]], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{command[0]} failed: {' / '.join(detail[-3:]) or result.returncode}")
