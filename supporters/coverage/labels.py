"""Translatable words of the coverage pages: severity names and the reasons behind a gap."""

from flask_babel import format_decimal, format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from supporters.i18n import list_sep

SEVERITY_LABELS = {
    "critical": _l("Nobody in reach"),
    "gap": _l("Gap"),
    "minor": _l("Small gap"),
    "covered": _l("Covered"),
    "none": _l("No demand"),
}
# A mark per severity, so tiles and cells do not rely on colour alone (WCAG 1.4.1).
SEVERITY_MARKS = {
    "critical": "◆",
    "gap": "▲",
    "minor": "△",
    "covered": "○",
    "none": "–",
}
SEVERITY_HINTS = {
    "critical": _l("Residents at or above the threshold; no supporter in person, phone or video."),
    "gap": _l(
        "Residents at or above the threshold and no supporter in person, "
        "or repeated unfilled requests."
    ),
    "minor": _l("Residents below the threshold and no supporter in person."),
    "covered": _l("A supporter can reach them in person."),
    "none": _l("No residents and no requests."),
}


def count_text(value) -> str:
    """A count as printed (``1,234``); a hidden count (``X``, see ``coverage/protected.py``)
    as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return format_number(value)
    return str(value)


def gap_reasons(cell, radius_km: float) -> list[str]:
    """Why a cell is a gap, as short translated phrases (counts only, never names)."""
    reasons = [_("%(count)s residents", count=format_number(cell.residents))]
    radius = format_decimal(radius_km, format="#,##0.#")
    if cell.in_person_supporters == 0:
        if cell.nearest_supporter_km is None:
            reasons.append(_("no supporter of this language offers help in person"))
        else:
            reasons.append(
                _(
                    "no supporter within %(radius)s km (nearest %(km)s km)",
                    radius=radius,
                    km=format_decimal(cell.nearest_supporter_km, format="#,##0"),
                )
            )
    if cell.remote_supporters == 0:
        reasons.append(_("no supporter by phone or video"))
    elif cell.in_person_supporters == 0:
        reasons.append(
            _(
                "%(count)s supporter(s) by phone or video",
                count=format_number(cell.remote_supporters),
            )
        )
    if cell.unfilled_requests:
        reasons.append(
            _(
                "%(count)s unfilled request(s) in the period",
                count=count_text(cell.unfilled_requests),
            )
        )
    return reasons


def gap_summary(language: str, municipality: str, reasons: list[str]) -> str:
    """One line for the priority list: "Nepali, Koga area: 412 residents, …"."""
    return _(
        "%(language)s, %(municipality)s area: %(reasons)s",
        language=language,
        municipality=municipality,
        reasons=list_sep().join(reasons),
    )
