"""The kinds of data that can be imported and exported, by the name used in URLs and the CLI."""

from flask_babel import lazy_gettext as _l

from supporters.imports.activities import ActivityImporter
from supporters.imports.base import Importer
from supporters.imports.municipalities import MunicipalityImporter
from supporters.imports.registry import SupporterImporter
from supporters.imports.residents import ResidentImporter

IMPORTERS: dict[str, type[Importer]] = {
    "municipalities": MunicipalityImporter,
    "supporters": SupporterImporter,
    "residents": ResidentImporter,
    "activities": ActivityImporter,
}
LABELS = {
    "municipalities": _l("Municipalities"),
    "supporters": _l("Supporters"),
    "residents": _l("Foreign-resident figures"),
    "activities": _l("Activities (paper records)"),
}


def import_file(
    kind: str, data: bytes, by=None, dry_run: bool = False, sheet: str | None = None, **options
):
    """Check ``data`` as a ``kind`` file (a workbook's ``sheet``, else its first) and import it
    all or not at all (see ``base.run``)."""
    from supporters.imports.base import run

    return run(IMPORTERS[kind](by, sheet=sheet, **options), data, dry_run=dry_run)
