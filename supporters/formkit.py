"""Small shared pieces for WTForms: option lists and a checkbox group."""

from collections.abc import Iterable

from wtforms import SelectMultipleField
from wtforms.fields import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget


def options(pairs: Iterable[tuple[str, object]]) -> list[SelectChoice]:
    """Turn (value, label) pairs into the option objects WTForms 3.3+ expects."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes, one per choice (no JavaScript needed)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
