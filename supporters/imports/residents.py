"""Foreign-resident figures: the one import (/imports/ and ``flask import residents``).

The file is read as a prefecture publishes it: UTF-8 (with or without BOM) or CP932, a header row
naming the municipality (code or name), the nationality (ISO code or country name) and the number
of residents in English or Japanese, then one row per municipality and nationality. The rules of
a figure live in ``coverage/residents.py``; this module only reads rows into drafts and adds the
file's own rule (a municipality and nationality named twice). Importing an as-of date replaces
that date's figures, all or nothing.
"""

from datetime import date

from flask_babel import gettext as _

from supporters.coverage import residents
from supporters.imports.base import CREATE, Importer, ParsedRow
from supporters.imports.reading import Column, row_error
from supporters.models import ResidentCount
from supporters.refusals import Refused, refuse_if

HEADERS = {
    "municipality": {"municipality", "municipality code", "code", "市町村", "市区町村", "市町村名",
                     "市町村コード", "市区町村コード", "団体コード"},
    "nationality": {"nationality", "country", "国籍", "国籍・地域", "国・地域", "国籍等"},
    "residents": {"residents", "count", "number", "人数", "在留外国人数", "外国人数", "総数", "計"},
}  # fmt: skip
COLUMNS = [Column(name, tuple(sorted(synonyms))) for name, synonyms in HEADERS.items()]


class ResidentImporter(Importer):
    """Residents by municipality × nationality as of a date; the date's figures are replaced."""

    kind = "residents"
    columns = COLUMNS

    def __init__(self, by=None, as_of: date | None = None, source: str = "", **options):
        super().__init__(by, **options)
        refuse_if(residents.check_import(as_of, source))
        self.as_of, self.source = as_of, source or ""
        self.lookup: dict[str, str] = {}
        self.figures: list[residents.Figure] = []
        self.replaced = 0

    def check(self, rows):
        self.lookup = residents.municipality_lookup()
        seen: dict[tuple[str, str], int] = {}
        parsed, errors = [], []
        for line, values in rows:
            draft = residents.FigureDraft(
                values["municipality"], values["nationality"], values["residents"]
            )
            try:
                figure = residents.figure_of(draft, self.lookup)
            except Refused as refusal:
                errors.append(row_error(line, refusal))
                continue
            first = seen.setdefault((figure.municipality_code, figure.nationality), line)
            if first != line:
                message = _("Same municipality and nationality as line %(line)d.", line=first)
                errors.append(row_error(line, Refused(message, "nationality")))
                continue
            shown = {
                "municipality": figure.municipality_code,
                "nationality": figure.nationality,
                "residents": str(figure.residents),
            }
            self.figures.append(figure)
            parsed.append(ParsedRow(line, CREATE, shown, draft))
        self.replaced = residents.stored_rows(self.as_of)
        return parsed, errors

    def before(self) -> None:
        residents.clear_date(self.as_of)

    def apply(self, row: ParsedRow) -> None:
        residents.add_figure(row.payload, self.as_of, self.source, self.by, self.lookup)

    def notes(self) -> list[str]:
        """What the preview says beyond the counts: the figures' totals, what is replaced."""
        notes = [
            _(
                "%(rows)d rows, %(municipalities)d municipalities, %(residents)s residents as of "
                "%(date)s.",
                rows=len(self.figures),
                municipalities=len({figure.municipality_code for figure in self.figures}),
                residents=f"{sum(figure.residents for figure in self.figures):,}",
                date=self.as_of.isoformat(),
            )
        ]
        if self.replaced:
            notes.append(
                _(
                    "%(count)d stored rows as of %(date)s will be replaced.",
                    count=self.replaced,
                    date=self.as_of.isoformat(),
                )
            )
        return notes

    def audit_detail(self) -> str:
        return f"as_of={self.as_of.isoformat()} replaced={self.replaced}"

    def audit_object(self) -> object:
        return ResidentCount(as_of=self.as_of)
