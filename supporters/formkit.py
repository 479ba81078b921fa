"""Small shared pieces for WTForms: option lists and a checkbox group."""

from collections.abc import Iterable

from markupsafe import Markup, escape
from wtforms import SelectField, SelectMultipleField
from wtforms.fields import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget, Select


def options(pairs: Iterable[tuple[str, object]]) -> list[SelectChoice]:
    """Turn (value, label) pairs into the option objects WTForms 3.3+ expects."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """Several checkboxes, one per choice (no JavaScript needed)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class QuickSelect(Select):
    """WTForms' ``<select>`` with the same markup, each plain option written directly.

    A filter offers every municipality, language or action: a hundred options whose attributes
    WTForms sorts, escapes and formats one by one. An option without extra attributes is always
    ``<option [selected ]value="…">label</option>``; others go through WTForms as before.
    """

    @classmethod
    def render_option(cls, choice: SelectChoice, **kwargs) -> Markup:
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        return Markup(f'<option {selected}value="{escape(value)}">{label}</option>')


class QuickSelectField(SelectField):
    """A ``SelectField`` rendered by :class:`QuickSelect` (long option lists)."""

    widget = QuickSelect()
