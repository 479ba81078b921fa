"""Words only the registry uses (gender, Japanese level); statuses, levels and modes come from
the one label registry, ``supporters/labels.py``."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from supporters.labels import LEVEL_LABELS, MODE_LABELS, STATUS_LABELS  # noqa: F401

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


# A status change's reason is the staff member's own words, or one of these codes (stored facts,
# read in the viewer's language by :func:`status_reason_text`).
PLAIN_REASONS = ("registered", "certified")
SHORT_OF_HOURS = "certified_short_of_hours"
_SHORT = re.compile(rf"^{SHORT_OF_HOURS}:(?P<missing>[0-9.]+):(?P<reason>.*)$", re.S)
# Written in English before the code existed (2026-11); read the same way.
_SHORT_BEFORE = re.compile(
    r"^certified with (?P<missing>[0-9.]+) training hours missing: (?P<reason>.*)$", re.S
)


def short_of_hours_reason(missing, override_reason: str) -> str:
    """The stored reason of a certification with training hours missing (a code, hours, and the
    administrator's own words)."""
    return f"{SHORT_OF_HOURS}:{missing}:{override_reason}"


def status_reason_text(reason: str | None) -> str:
    """A status change's reason for the history, in the viewer's language ("" for none)."""
    reason = (reason or "").strip()
    if reason in PLAIN_REASONS:
        return ""
    found = _SHORT.match(reason) or _SHORT_BEFORE.match(reason)
    if found:
        return _(
            "certified with %(missing)s training hours missing: %(reason)s",
            missing=found["missing"],
            reason=found["reason"],
        )
    return reason
