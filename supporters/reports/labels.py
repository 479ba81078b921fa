"""Words of the report: section and row labels (msgids shared with the console where they match)."""

from flask_babel import lazy_gettext as _l

from supporters.labels import CATEGORY_LABELS, MODE_LABELS  # noqa: F401  (the one registry)

REQUEST_LABELS = {
    "received": _l("Requests received"),
    "assigned": _l("Requests assigned"),
    "unfilled": _l("Requests unfilled"),
    "referred": _l("Requests referred out"),
}
SECTION_LABELS = {
    "cases_total": _l("Cases"),
    "cases_by_category": _l("Cases by category"),
    "cases_by_mode": _l("Cases by mode"),
    "people_reached": _l("People reached by information dissemination"),
    "cases_by_municipality": _l("Cases by municipality"),
    "cases_by_municipality_category": _l("Cases by municipality and category"),
    "cases_by_language": _l("Cases by language"),
    "requests": _l("Help requests"),
    "time_to_assignment": _l("Median time to assignment (hours)"),
    "supporters": _l("Certified supporters"),
    "target": _l("Target of certified supporters"),
    "stipends_booked": _l("Stipends booked (yen)"),
    "stipends_paid": _l("Stipends paid (yen)"),
    "gaps": _l("Coverage gaps"),
    "help_given": _l("Help given to other programmes"),
}
NO_LANGUAGE = _l("Japanese only / none")
