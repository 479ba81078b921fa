"""Labels the supporters' pages show, declared here so all twelve catalogues cover them.

The console's label modules (``registry/labels.py``, ``help_requests/labels.py``) also hold
words only staff see; supporter pages take their words from this module instead, so the test
that every supporter-facing message is translated (``tests/test_portal_i18n.py``) sees them.
The msgids are the console's own where they mean the same, so translations are shared.
"""

from flask_babel import lazy_gettext as _l

from supporters.models import (
    ActivityCategory,
    ActivityOutcome,
    LanguageLevel,
    Mode,
    OfferStatus,
    RequestCategory,
    SupporterStatus,
    Urgency,
)

CATEGORY_LABELS = {
    ActivityCategory.GOVERNMENT_OFFICE: _l("Government office (incl. driver's licence)"),
    ActivityCategory.HOSPITAL: _l("Hospital"),
    ActivityCategory.INFORMATION: _l("Information dissemination"),
    ActivityCategory.CHILDCARE: _l("Childcare"),
    ActivityCategory.LABOR: _l("Work and labour"),
    ActivityCategory.DAILY_LIFE: _l("Daily life"),
}
# Requests use the same values minus "information" (StrEnum members are equal by value).
REQUEST_CATEGORY_LABELS = {c: CATEGORY_LABELS[c.value] for c in RequestCategory}
MODE_LABELS = {
    Mode.IN_PERSON: _l("In person"),
    Mode.PHONE: _l("Phone"),
    Mode.VIDEO: _l("Video call"),
}
OUTCOME_LABELS = {
    ActivityOutcome.RESOLVED: _l("Resolved"),
    ActivityOutcome.PARTLY_RESOLVED: _l("Partly resolved"),
    ActivityOutcome.NOT_RESOLVED: _l("Not resolved"),
    ActivityOutcome.REFERRED: _l("Referred to another service"),
}
DECLINE_REASON_LABELS = {
    "not_available": _l("I am not available then"),
    "too_far": _l("It is too far for me"),
    "language": _l("My language level is not enough for this"),
    "too_many_cases": _l("I have too many cases this month"),
    "personal": _l("Personal reasons"),
    "other": _l("Other"),
}
OFFER_STATUS_LABELS = {
    OfferStatus.OPEN: _l("Waiting for answer"),
    OfferStatus.ACCEPTED: _l("Accepted"),
    OfferStatus.DECLINED: _l("Declined"),
    OfferStatus.EXPIRED: _l("Expired"),
    OfferStatus.WITHDRAWN: _l("Withdrawn"),
}
URGENCY_LABELS = {
    Urgency.NORMAL: _l("Normal"),
    Urgency.SOON: _l("Within a few days"),
    Urgency.URGENT: _l("Urgent"),
}
STATUS_LABELS = {
    SupporterStatus.APPLICANT: _l("Applicant"),
    SupporterStatus.CERTIFIED: _l("Certified"),
    SupporterStatus.SUSPENDED: _l("Suspended"),
    SupporterStatus.RETIRED: _l("Retired"),
}
LEVEL_LABELS = {
    LanguageLevel.NATIVE: _l("Native"),
    LanguageLevel.FLUENT: _l("Fluent"),
    LanguageLevel.CONVERSATIONAL: _l("Conversational"),
}
# Weekday 0 = Monday, as ``date.weekday()`` and ``WeeklySlot.weekday`` count.
WEEKDAY_LABELS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)


def labels() -> dict:
    """Every table above, for ``render_template(..., **labels())``."""
    return {
        "CATEGORY_LABELS": CATEGORY_LABELS,
        "MODE_LABELS": MODE_LABELS,
        "OUTCOME_LABELS": OUTCOME_LABELS,
        "DECLINE_REASON_LABELS": DECLINE_REASON_LABELS,
        "OFFER_STATUS_LABELS": OFFER_STATUS_LABELS,
        "URGENCY_LABELS": URGENCY_LABELS,
        "STATUS_LABELS": STATUS_LABELS,
        "LEVEL_LABELS": LEVEL_LABELS,
        "WEEKDAY_LABELS": WEEKDAY_LABELS,
    }
