"""Words only the registry uses (gender, Japanese level); statuses, levels and modes come from
the one label registry, ``supporters/labels.py``."""

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
