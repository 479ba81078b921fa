"""Forms of the training console: a cohort, a session, and a session's attendance sheet.

They only parse what was typed (dates, hours); the rules are the service's (``service.py``).
"""

import unicodedata
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional, ValidationError

from supporters.registry.forms import normalise_text
from supporters.training.service import COHORT_NAME_MAX, TITLE_MAX

# A date box: blank is ``None`` (the service asks for it), unreadable input is explained here.
DATE = {
    "validators": [Optional()],
    "invalid_value_message": _l("Enter a date like 2026-05-01."),
}


def parse_hours(raw: str | None) -> Decimal | None:
    """``2.5``, ``２．５`` or ``2,5`` as a Decimal with one decimal place; blank is ``None``."""
    text = unicodedata.normalize("NFKC", raw or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
        tenths = value.quantize(Decimal("0.1"))  # too many digits to quantize: not hours either
    except InvalidOperation as error:
        raise ValueError(raw) from error
    if not value.is_finite() or value != tenths:
        raise ValueError(raw)
    return tenths


class HoursField(StringField):
    """Hours with at most one decimal place (half-hours, quarter-hours rounded by the user)."""

    def __init__(self, label=None, **kwargs):
        super().__init__(label, **kwargs)
        self.parsed: Decimal | None = None

    def pre_validate(self, form):
        self.parsed = None
        try:
            self.parsed = parse_hours(self.data)
        except ValueError:
            raise ValidationError(_l("Enter hours as a number, like 2.5.")) from None


class CohortForm(FlaskForm):
    """A new training cohort."""

    name = StringField(
        lazy_pgettext("cohort", "Name"),
        filters=[normalise_text],
        render_kw={"maxlength": COHORT_NAME_MAX},
    )
    starts_on = DateField(_l("First day"), **DATE)
    ends_on = DateField(_l("Last day"), **DATE)
    required_hours = HoursField(_l("Hours required for certification"))
    notes = TextAreaField(_l("Notes"))
    submit = SubmitField(_l("Create cohort"))


class SessionForm(FlaskForm):
    """A new session of a cohort."""

    held_on = DateField(_l("Date"), **DATE)
    title = StringField(_l("Title"), filters=[normalise_text], render_kw={"maxlength": TITLE_MAX})
    hours = HoursField(_l("Hours"))
    submit = SubmitField(_l("Add session"))


class AttendanceForm(FlaskForm):
    """The attendance sheet: one hours box per trainee (``hours-<supporter id>``), blank = absent.

    The boxes are read from the request by :meth:`read_hours`, since the roster changes.
    """

    submit = SubmitField(_l("Save attendance"))

    def read_hours(self, formdata, supporter_ids):
        """Parse every trainee's box; returns (hours by supporter id, errors by supporter id)."""
        hours, errors = {}, {}
        for supporter_id in supporter_ids:
            raw = formdata.get(f"hours-{supporter_id}", "")
            try:
                hours[supporter_id] = parse_hours(raw)
            except ValueError:
                errors[supporter_id] = _l("Enter hours as a number, like 2.5.")
        return hours, errors
