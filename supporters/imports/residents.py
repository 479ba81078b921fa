"""Foreign-resident figures: the one import (/imports/ and ``flask import residents``).

The file is read as a prefecture or the state publishes it: UTF-8 (with or without BOM) or CP932,
CSV or XLSX. Either the importer's own table — a header row naming the municipality (code or
name), the nationality (ISO code or country name) and the number of residents in English or
Japanese, then one row per municipality and nationality — or the published statistics of
foreign residents by municipality and nationality as downloaded from e-Stat, recognised by
``imports/statistics.py`` (title rows, nationality columns; its date taken from the title).
The rules of a figure live in ``coverage/residents.py``; this module only reads rows into drafts
and adds the file's own rule (a municipality and nationality named twice). Importing an as-of
date replaces that date's figures, all or nothing: the preview says which are new, changed or
unchanged, and how many stored ones the file no longer has.
"""

from datetime import date

from flask_babel import gettext as _

from supporters.coverage import residents
from supporters.imports import statistics, words
from supporters.imports.base import CREATE, UNCHANGED, UPDATE, Importer, ParsedRow
from supporters.imports.reading import Column, Table, row_error
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
        problems = residents.check_import(as_of, source)
        if as_of is None:  # the published statistics carry their date in the title
            problems.pop("as_of", None)
        refuse_if(problems)
        self.given_as_of, self.as_of, self.source = as_of, as_of, source or ""
        self.published: statistics.Published | None = None
        self.lookup: dict[str, str] = {}
        self.figures: list[residents.Figure] = []
        self.replaced = self.removed = 0

    def read(self, data: bytes) -> Table:
        """The importer's own table, or the published statistics turned into its rows."""
        self.published = statistics.read_published(data, self.columns, self.options.get("sheet"))
        if self.published is None:
            table = super().read(data)
        else:
            table = self.published.table
            self.as_of = self.as_of or self.published.as_of
            self.source = self.source or self.published.title[: residents.MAX_SOURCE]
        refuse_if(residents.check_import(self.as_of, self.source))
        return table

    def check(self, rows):
        refuse_if(residents.check_import(self.as_of, self.source))  # rows given without a file
        self.lookup = residents.municipality_lookup()
        seen: dict[tuple[str, str], int] = {}
        parsed, errors = [], []
        for line, values in rows:
            hints = words.Hints()
            municipality = words.municipality(values["municipality"], "municipality", hints)
            draft = residents.FigureDraft(municipality, values["nationality"], values["residents"])
            try:
                figure = residents.figure_of(draft, self.lookup)
            except Refused as refusal:
                errors.append(row_error(line, refusal, hints.texts()))
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
            row = ParsedRow(line, CREATE, shown, draft)
            if self.published is not None:  # the names the table prints, → the codes read
                row.values, row.understood = self.published.printed(shown), shown
            self.figures.append(figure)
            parsed.append(row)
        stored = residents.stored_figures(self.as_of)
        for row, figure in zip(parsed, self.figures, strict=True):
            before = stored.get((figure.municipality_code, figure.nationality))
            if before is not None and before != figure.residents:
                row.action, row.changes = UPDATE, ("residents",)
            elif before is not None:
                row.action = UNCHANGED
        self.replaced = len(stored)
        self.removed = len(stored.keys() - set(seen))
        return parsed, errors

    def before(self) -> None:
        keep = {(figure.municipality_code, figure.nationality) for figure in self.figures}
        residents.remove_figures(self.as_of, keep)

    def apply(self, row: ParsedRow) -> None:
        residents.save_figure(row.payload, self.as_of, self.source, self.by, self.lookup)

    def notes(self) -> list[str]:
        """What the preview says beyond the counts: how the file was read, the figures'
        totals, what is replaced."""
        notes = self.published.notes() if self.published is not None else []
        notes += self._date_notes()
        notes += [
            _(
                "%(rows)d rows, %(municipalities)d municipalities, %(residents)s residents as of "
                "%(date)s.",
                rows=len(self.figures),
                municipalities=len({figure.municipality_code for figure in self.figures}),
                residents=f"{sum(figure.residents for figure in self.figures):,}",
                date=self.as_of.isoformat(),
            )
        ]
        if self.removed:
            notes.append(
                _(
                    "%(count)d stored figures as of %(date)s are not in the file and will be "
                    "removed.",
                    count=self.removed,
                    date=self.as_of.isoformat(),
                )
            )
        return notes

    def _date_notes(self) -> list[str]:
        found = self.published.as_of if self.published is not None else None
        if found is None:
            return []
        if self.given_as_of is None:
            return [_("Figures as of %(date)s, the date the file gives.", date=found.isoformat())]
        if found != self.given_as_of:
            return [
                _(
                    "The file gives %(found)s; the figures are imported as of %(date)s, the "
                    "date you gave.",
                    found=found.isoformat(),
                    date=self.given_as_of.isoformat(),
                )
            ]
        return []

    def audit_detail(self) -> str:
        return f"as_of={self.as_of.isoformat()} replaced={self.replaced} removed={self.removed}"

    def audit_object(self) -> object:
        return ResidentCount(as_of=self.as_of)
