"""The label registry: the words for every coded value, declared once for the whole app.

Statuses, modes, levels, categories and reasons are stored as codes; this module renders them in
the viewer's language (lazy translations, so one table serves every request's locale). Areas add
only the words that are theirs alone (the matcher's reasons, the audit trail's actions …) in
their own ``labels.py``. Supporters see most of these words, so every msgid here is translated in
all twelve supporter languages (``tests/test_portal_i18n.py`` reads this file).

Keys are the models' ``StrEnum`` members, which compare and hash equal to their values, so a
table answers for ``Mode.PHONE`` and for ``"phone"`` alike.
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
# Requests use the same values minus "information".
REQUEST_CATEGORY_LABELS = {category: CATEGORY_LABELS[category] for category in RequestCategory}
MODE_LABELS = {
    Mode.IN_PERSON: _l("In person"),
    Mode.PHONE: _l("Phone"),
    Mode.VIDEO: _l("Video call"),
}
LEVEL_LABELS = {
    LanguageLevel.NATIVE: _l("Native"),
    LanguageLevel.FLUENT: _l("Fluent"),
    LanguageLevel.CONVERSATIONAL: _l("Conversational"),
}
STATUS_LABELS = {
    SupporterStatus.APPLICANT: _l("Applicant"),
    SupporterStatus.CERTIFIED: _l("Certified"),
    SupporterStatus.SUSPENDED: _l("Suspended"),
    SupporterStatus.RETIRED: _l("Retired"),
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
