"""The all-or-nothing import: check every row, then write them all in one savepoint or none.

An :class:`Importer` knows its columns, checks rows against the database (``check``) and writes
one checked row (``apply``). :func:`run` does the rest for every kind: a dry run writes inside a
savepoint and rolls it back, so the preview also catches what only the write itself refuses
(a taken certificate number, missing training hours); a real run keeps the savepoint only when
no row failed. Nothing here commits: the request (or the CLI) commits once. The savepoints nest
inside the caller's transaction on SQLite as on PostgreSQL (``supporters/transactions.py``), so a
caller that rolls back afterwards undoes a saved import too.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from flask_babel import gettext as _

from supporters import audit
from supporters.extensions import db
from supporters.imports.reading import (
    Column,
    RowError,
    Table,
    read_table,
    row_error,
    rows_table,
)
from supporters.models import User
from supporters.refusals import Refused

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


@dataclass
class ParsedRow:
    """A checked row: where it is, what the import does with it, its values and what to write."""

    line: int
    action: str  # CREATE, UPDATE or UNCHANGED
    values: dict[str, str]
    payload: Any = None
    changes: tuple[str, ...] = ()  # for an update: the columns whose stored value changes
    understood: dict[str, str] = field(default_factory=dict)  # column → the code read from it


@dataclass
class ImportResult:
    """What a file holds (or would change): checked rows, errors, and whether it was saved."""

    kind: str
    columns: list[str] = field(default_factory=list)
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    saved: bool = False
    notes: list[str] = field(default_factory=list)  # kind-specific facts for the preview

    @property
    def ok(self) -> bool:
        """No error and something to import."""
        return not self.errors and bool(self.rows)

    def count(self, action: str) -> int:
        """How many rows the import creates, updates or leaves unchanged."""
        return sum(1 for row in self.rows if row.action == action)

    @property
    def summary(self) -> str:
        """One line for flashes and the CLI (translated)."""
        return _(
            "%(rows)d rows: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.",
            rows=len(self.rows),
            created=self.count(CREATE),
            updated=self.count(UPDATE),
            unchanged=self.count(UNCHANGED),
        )


class Importer(ABC):
    """One kind of data that can be imported; subclasses fill in the class attributes and
    implement ``check``, ``apply`` and ``audit_object``."""

    kind: ClassVar[str]
    columns: ClassVar[list[Column]]

    def __init__(self, by: User | None = None, **options):
        self.by = by
        self.options = options

    @abstractmethod
    def check(self, rows: list[tuple[int, dict[str, str]]]) -> tuple[list[ParsedRow], list]:
        """Every row checked against the file and the database; nothing written."""

    @abstractmethod
    def apply(self, row: ParsedRow) -> None:
        """Write one checked row (flush, no commit); the service's :class:`Refused` refuses it."""

    def read(self, data: bytes) -> Table:
        """The file's header and rows (a kind whose files come in other layouts overrides it)."""
        return read_table(data, self.columns, sheet=self.options.get("sheet"))

    def notes(self) -> list[str]:
        """Facts the preview shows beyond the counts (translated), known after ``check``."""
        return []

    def before(self) -> None:
        """Called inside the savepoint before the rows are written (e.g. to replace a date)."""
        return None  # an optional hook: most kinds need nothing here

    def after(self, result: ImportResult) -> None:
        """Called once after a saved import (e.g. to clear a cache)."""
        return None  # an optional hook

    def audit_detail(self) -> str:
        """What the audit event of a saved import adds to the counts (e.g. the as-of date)."""
        return ""

    @abstractmethod
    def audit_object(self) -> object:
        """What the audit event of an import names."""


def run(importer: Importer, data: bytes, dry_run: bool = False) -> ImportResult:
    """Check ``data`` and import every row, or none if any row is wrong.

    A dry run performs the writes in a savepoint and rolls them back.
    """
    return run_table(importer, importer.read(data), dry_run)


def run_rows(importer: Importer, rows: list[dict[str, str]], dry_run: bool = False) -> ImportResult:
    """:func:`run` for rows given as values by column name (the API's JSON rows), numbered
    from 1 as lines; each value is read as a file's cell is (``reading.rows_table``)."""
    return run_table(importer, rows_table(rows, importer.columns), dry_run)


def run_table(importer: Importer, table: Table, dry_run: bool = False) -> ImportResult:
    """Check ``table``'s rows and import every one, or none if any is wrong (see :func:`run`)."""
    result = ImportResult(kind=importer.kind, columns=[c.name for c in importer.columns])
    result.errors.extend(table.errors)
    if table.errors and not table.rows:
        return result
    rows, errors = importer.check(table.rows)
    result.rows = rows
    result.errors.extend(errors)
    result.notes = importer.notes()
    if result.errors:
        result.errors.sort(key=lambda error: error.line)
        return result
    savepoint = db.session.begin_nested()
    importer.before()
    for row in rows:
        if row.action == UNCHANGED:
            continue
        try:
            with db.session.begin_nested():  # a refused row leaves the others' writes usable
                importer.apply(row)
        except Refused as refusal:
            result.errors.append(row_error(row.line, refusal))
    if result.errors or dry_run:
        savepoint.rollback()
        return result
    audit.record(
        f"import_{importer.kind}",
        importer.audit_object(),
        detail=" ".join(
            filter(
                None,
                (
                    f"rows={len(rows)} created={result.count(CREATE)} "
                    f"updated={result.count(UPDATE)} unchanged={result.count(UNCHANGED)}",
                    importer.audit_detail(),
                ),
            )
        ),
        user=importer.by,
    )
    savepoint.commit()
    result.saved = True
    importer.after(result)
    return result
