"""Translatable labels for requests, offers and the matcher's reasons, filters and fallbacks."""

from flask import has_request_context
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from supporters.i18n import localized_name
from supporters.labels import (  # noqa: F401  (the one label registry)
    DECLINE_REASON_LABELS,
    LEVEL_LABELS,
    MODE_LABELS,
    OFFER_STATUS_LABELS,
    URGENCY_LABELS,
)
from supporters.labels import REQUEST_CATEGORY_LABELS as CATEGORY_LABELS
from supporters.matching import Fallback, Reason
from supporters.models import (
    ConsentChannel,
    Language,
    Municipality,
    RequestSource,
    RequestStatus,
)
from supporters.reference_data import reference_data
from supporters.wareki import date_label

REQUEST_STATUS_LABELS = {
    RequestStatus.NEW: _l("New"),
    RequestStatus.OFFERED: _l("Offered"),
    RequestStatus.ASSIGNED: _l("Assigned"),
    RequestStatus.COMPLETED: _l("Completed"),
    RequestStatus.CLOSED: _l("Closed"),
    RequestStatus.CANCELLED: _l("Cancelled"),
    RequestStatus.UNFILLED: _l("Unfilled"),
    RequestStatus.REFERRED: _l("Referred out"),
}
SOURCE_LABELS = {
    RequestSource.RESIDENT: _l("The resident"),
    RequestSource.MUNICIPALITY: _l("Municipality"),
    RequestSource.HOSPITAL: _l("Hospital"),
    RequestSource.EMPLOYER: _l("Employer"),
    RequestSource.INTERNATIONAL_ASSOCIATION: _l("International association"),
    RequestSource.OTHER: _l("Other"),
}
CONSENT_CHANNEL_LABELS = {
    ConsentChannel.PHONE: _l("Read out on the phone"),
    ConsentChannel.IN_PERSON: _l("Explained in person"),
    ConsentChannel.PAPER: _l("Signed on paper"),
    ConsentChannel.WEB_FORM: _l("Web form"),
}
FILTER_LABELS = {
    "status": _l("certified and not suspended"),
    "language": _l("speaks the language at the needed level"),
    "mode": _l("offers this way of helping"),
    "gender": _l("matches the preferred gender"),
    "location": _l("serves the municipality or lives within the travel radius"),
    "availability": _l("is available in the time window"),
    "capacity": _l("is under their monthly case limit"),
    "no_candidates": _l("there are no supporters in the registry"),
}
PART_LABELS = {
    "language": _l("Language"),
    "distance": _l("Distance"),
    "load": _l("Load this month"),
    "continuity": _l("Continuity"),
    "experience": _l("Experience"),
}


def language_label(code: str | None) -> str:
    """A language's name in the UI language; None is "not specified / Easy Japanese"."""
    from supporters.extensions import db

    if code is None:
        return _("Not specified / Easy Japanese")
    if code == "ja":
        return _("Japanese")
    if has_request_context():  # pages: the process's copy of the reference data
        return localized_name(reference_data().languages.get(code)) or code
    return localized_name(db.session.get(Language, code)) or code


def municipality_label(code: str | None) -> str:
    """A municipality's name in the UI language."""
    from supporters.extensions import db

    if not code:
        return ""
    if has_request_context():  # pages: the process's copy of the reference data
        return localized_name(reference_data().municipalities.get(code))
    return localized_name(db.session.get(Municipality, code))


def reason_text(reason: Reason) -> str:
    """One of the matcher's reasons in the UI language."""
    v = dict(reason.values)
    match reason.code:
        case "language":
            return _(
                "%(level)s %(language)s",
                level=LEVEL_LABELS.get(v["level"], v["level"]),
                language=language_label(v["language"]),
            )
        case "japanese":
            return _("Japanese: %(level)s", level=v["level"])
        case "distance":
            return _("%(km)s km", km=format_decimal(round(v["km"])))
        case "serves":
            return _("serves this municipality")
        case "remote":
            return _("by %(mode)s", mode=MODE_LABELS.get(v["mode"], v["mode"]))
        case "availability_unstated":
            return _("availability not stated")
        case "load":
            return ngettext("%(num)d case this month", "%(num)d cases this month", v["count"])
        case "continuity":
            return _("helped this resident on %(date)s", date=date_label(v["on"]))
        case "experience":
            return ngettext(
                "%(num)d past case: %(category)s",
                "%(num)d past cases: %(category)s",
                v["count"],
                category=CATEGORY_LABELS.get(v["category"], v["category"]),
            )
    return str(reason)


def fallback_text(fallback: Fallback) -> str:
    """What a fallback proposes, in the UI language."""
    n = len(fallback.supporter_ids)
    match fallback.kind:
        case "neighbouring":
            return ngettext(
                "%(num)d supporter in %(place)s, %(km)s km away, if they can travel further",
                "%(num)d supporters in %(place)s, %(km)s km away, if they can travel further",
                n,
                place=municipality_label(fallback.municipality),
                km=format_decimal(round(fallback.km or 0)),
            )
        case "remote":
            return ngettext(
                "%(num)d supporter could help by phone or video instead",
                "%(num)d supporters could help by phone or video instead",
                n,
            )
        case "widen_window":
            return ngettext(
                "%(num)d supporter qualifies at another time: ask the resident to widen the window",
                "%(num)d supporters qualify at another time: ask the resident to widen the window",
                n,
            )
        case "lent":
            return ngettext(
                "%(num)d supporter of another programme could help remotely (they agreed to "
                "be asked; their coordinator sees the offer)",
                "%(num)d supporters of other programmes could help remotely (they agreed to "
                "be asked; their coordinators see the offer)",
                n,
            )
        case "referral":
            return _("Refer the request to an outside remote-interpretation service")
    return fallback.kind


def lent_text(proposal) -> str:
    """A lent supporter, explained: "Sok Dara — Khmer, native, Gunma programme, phone"."""
    locale = str(get_locale() or "ja")
    return _(
        "%(name)s — %(language)s, %(level)s, %(programme)s, %(mode)s",
        name=proposal.name,
        language=language_label(proposal.language_code),
        level=LEVEL_LABELS.get(proposal.level, proposal.level),
        programme=proposal.programme_name(locale),
        mode=MODE_LABELS.get(proposal.mode, proposal.mode),
    )
