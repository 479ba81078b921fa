"""Forms of the stipend console: close, re-open, adjustments, the dated rule and the budget.

They only parse what was typed (a month, a number, a choice); the rules are the services'
(``close.py``, ``adjustments.py``, ``settings.py``). Blank boxes become ``None``.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Optional

from supporters.formkit import QuickSelectField, options
from supporters.input_guard import parse_id
from supporters.models import StipendRuleKind
from supporters.stipends.months import parse_month

RULE_LABELS = {
    StipendRuleKind.CERTIFIED: _l("Every supporter certified at any time in the month"),
    StipendRuleKind.ACTIVE: _l("Certified and at least one logged activity in the month"),
}


class MonthField(StringField):
    """A month typed as YYYY-MM; ``data`` becomes the month's first day."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if not self.data:
            self.data = None
            return
        try:
            self.data = parse_month(self.data)
        except ValueError as error:
            self.data = None
            raise ValueError(_l("Enter a month as YYYY-MM, e.g. 2025-04.")) from error

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return f"{self.data:%Y-%m}" if self.data else ""


def optional_id(value) -> int | None:
    """A chosen id as an int; nothing chosen (or no id at all) is ``None``."""
    return value if isinstance(value, int) else parse_id(value)


class CloseForm(FlaskForm):
    """The confirmation of a close: the preview's token and the "the list is right" box."""

    token = HiddenField()
    confirm = BooleanField(
        _l(
            "I have checked who is paid and who cannot be paid, and that closing locks the "
            "case logs of this month."
        )
    )
    submit = SubmitField(_l("Close this month"))


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("Why re-open this month?"))
    submit = SubmitField(_l("Re-open the month"))


class AdjustmentForm(FlaskForm):
    supporter_id = QuickSelectField(_l("Supporter"), coerce=optional_id, validate_choice=False)
    concerns_month = MonthField(_l("Month it corrects (YYYY-MM)"))
    amount_yen = IntegerField(
        _l("Amount (yen; negative to take back)"),
        validators=[Optional()],
    )
    reason = TextAreaField(_l("Reason"))
    submit = SubmitField(_l("Add adjustment"))


class RuleForm(FlaskForm):
    effective_from = MonthField(_l("From month (YYYY-MM)"))
    kind = SelectField(
        _l("Who receives it"),
        choices=options((k.value, label) for k, label in RULE_LABELS.items()),
        validate_choice=False,
    )
    amount_yen = IntegerField(_l("Amount per month (yen)"), validators=[Optional()])
    note = TextAreaField(_l("Note (e.g. the decision it follows)"))
    submit = SubmitField(_l("Record the rule"))


class BudgetForm(FlaskForm):
    fiscal_year = IntegerField(_l("Fiscal year"), validators=[Optional()])
    amount_yen = IntegerField(_l("Budget (yen)"), validators=[Optional()])
    note = TextAreaField(_l("Note"))
    submit = SubmitField(_l("Save the budget"))
