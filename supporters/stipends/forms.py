"""Forms of the stipend console: close, re-open, adjustments, the dated rule and the budget."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from supporters.formkit import options
from supporters.models import StipendRuleKind
from supporters.stipends.months import parse_month
from supporters.stipends.settings import MAX_AMOUNT_YEN

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


def _month_required(form, field):
    if field.data is None and not field.errors:
        raise ValidationError(_l("Enter a month as YYYY-MM, e.g. 2025-04."))


class CloseForm(FlaskForm):
    submit = SubmitField(_l("Close this month"))


class ReopenForm(FlaskForm):
    reason = TextAreaField(
        _l("Why re-open this month?"), validators=[InputRequired(), Length(min=5, max=1000)]
    )
    submit = SubmitField(_l("Re-open the month"))


class AdjustmentForm(FlaskForm):
    supporter_id = SelectField(_l("Supporter"), coerce=int, validators=[InputRequired()])
    concerns_month = MonthField(_l("Month it corrects (YYYY-MM)"), validators=[_month_required])
    amount_yen = IntegerField(
        _l("Amount (yen; negative to take back)"),
        validators=[
            InputRequired(),
            NumberRange(min=-MAX_AMOUNT_YEN, max=MAX_AMOUNT_YEN),
        ],
    )
    reason = TextAreaField(_l("Reason"), validators=[InputRequired(), Length(min=5, max=1000)])
    submit = SubmitField(_l("Add adjustment"))

    def validate_amount_yen(self, field):
        if field.data == 0:
            raise ValidationError(_l("An adjustment cannot be zero."))


class RuleForm(FlaskForm):
    effective_from = MonthField(_l("From month (YYYY-MM)"), validators=[_month_required])
    kind = SelectField(
        _l("Who receives it"),
        choices=options((k.value, label) for k, label in RULE_LABELS.items()),
        validators=[InputRequired()],
    )
    amount_yen = IntegerField(
        _l("Amount per month (yen)"),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_AMOUNT_YEN)],
    )
    note = TextAreaField(_l("Note (e.g. the decision it follows)"), validators=[Length(max=1000)])
    submit = SubmitField(_l("Record the rule"))


class BudgetForm(FlaskForm):
    fiscal_year = IntegerField(
        _l("Fiscal year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)]
    )
    amount_yen = IntegerField(
        _l("Budget (yen)"), validators=[InputRequired(), NumberRange(min=0, max=10**10)]
    )
    note = TextAreaField(_l("Note"), validators=[Length(max=1000)])
    submit = SubmitField(_l("Save the budget"))
