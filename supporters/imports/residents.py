"""Foreign-resident figures through the shared import flow (the rules live in coverage)."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import delete

from supporters.coverage import residents
from supporters.extensions import db
from supporters.imports.base import CREATE, Importer, ParsedRow
from supporters.models import ResidentCount


class ResidentImporter(Importer):
    """Residents by municipality × nationality as of a date; the date's figures are replaced."""

    kind = "residents"
    columns = residents.COLUMNS

    def __init__(self, by=None, as_of: date | None = None, source: str = "", **options):
        super().__init__(by, **options)
        if as_of is None:
            raise ValueError("residents need an as-of date")
        self.as_of, self.source = as_of, source

    def check(self, rows):
        valid, errors = residents.check_rows(rows)
        parsed = [
            ParsedRow(
                row.line,
                CREATE,
                {
                    "municipality": row.municipality_code,
                    "nationality": row.nationality,
                    "residents": str(row.residents),
                },
                row,
            )
            for row in valid
        ]
        self.replaced = residents.stored_rows(self.as_of)
        return parsed, errors

    def before(self) -> None:
        db.session.execute(delete(ResidentCount).where(ResidentCount.as_of == self.as_of))

    def apply(self, row: ParsedRow) -> None:
        db.session.add(
            ResidentCount(
                municipality_code=row.payload.municipality_code,
                nationality=row.payload.nationality,
                residents=row.payload.residents,
                as_of=self.as_of,
                source=self.source[:200],
                imported_by_id=self.by.id if self.by is not None else None,
            )
        )
        db.session.flush()

    def notes(self) -> list[str]:
        """What the preview says beyond the counts."""
        if not self.replaced:
            return []
        return [
            _(
                "%(count)d stored rows as of %(date)s will be replaced.",
                count=self.replaced,
                date=self.as_of.isoformat(),
            )
        ]

    def audit_object(self) -> object:
        return ResidentCount(as_of=self.as_of)
