"""Translatable labels for the registry's coded values (statuses, levels, modes ...)."""

from flask_babel import lazy_gettext as _l

from supporters.models import LanguageLevel, Mode, SupporterStatus

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
GENDER_LABELS = {"female": _l("Female"), "male": _l("Male"), "other": _l("Other")}
JAPANESE_LEVEL_LABELS = {
    "native": _l("Native speaker"),
    "N1": "JLPT N1",
    "N2": "JLPT N2",
    "N3": "JLPT N3",
    "N4": "JLPT N4",
    "N5": "JLPT N5",
    "other": _l("Everyday conversation (no certificate)"),
}
