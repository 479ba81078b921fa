"""The label tables supporter pages render with, from the one registry, ``supporters/labels.py``."""

from supporters.labels import (  # the one label registry; supporter pages show these words
    CATEGORY_LABELS,
    DECLINE_REASON_LABELS,
    LEVEL_LABELS,
    MODE_LABELS,
    OFFER_STATUS_LABELS,
    OUTCOME_LABELS,
    REQUEST_CATEGORY_LABELS,
    STATUS_LABELS,
    URGENCY_LABELS,
    WEEKDAY_LABELS,
)

__all__ = [
    "CATEGORY_LABELS",
    "DECLINE_REASON_LABELS",
    "LEVEL_LABELS",
    "MODE_LABELS",
    "OFFER_STATUS_LABELS",
    "OUTCOME_LABELS",
    "REQUEST_CATEGORY_LABELS",
    "STATUS_LABELS",
    "URGENCY_LABELS",
    "WEEKDAY_LABELS",
    "labels",
]


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
