"""The national aggregates' period (GET: no CSRF); months as YYYY-MM."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Optional, ValidationError

from supporters.stipends.months import parse_month


def _month(_form, field) -> None:
    try:
        parse_month(field.data)
    except ValueError:
        raise ValidationError(_l("Enter a month as YYYY-MM, e.g. 2026-04.")) from None


class PeriodForm(FlaskForm):
    """From which month to which month (the last defaults to the first)."""

    first = StringField(_l("From (month)"), validators=[_month], render_kw={"type": "month"})
    last = StringField(
        _l("To (month)"), validators=[Optional(), _month], render_kw={"type": "month"}
    )

    def first_month(self) -> date:
        return parse_month(self.first.data)

    def last_month(self) -> date:
        return parse_month(self.last.data) if self.last.data else self.first_month()

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.last_month() < self.first_month():
            self.last.errors.append(_l("The last month is before the first."))
            return False
        return True
