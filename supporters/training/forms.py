"""Forms of the training console: a cohort, a session, and a session's attendance sheet."""

import unicodedata
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from supporters.registry.forms import normalise_text

# The registry's "Training cohort" box takes at most 30 characters, so a longer cohort name
# could never be given to a supporter.
COHORT_NAME_MAX = 30
# A date box: a message of our own for empty and for unreadable input.
DATE = {
    "validators": [InputRequired(_l("Enter a valid date."))],
    "invalid_value_message": _l("Enter a date like 2026-05-01."),
}


def parse_hours(raw: str | None) -> Decimal | None:
    """``2.5``, ``２．５`` or ``2,5`` as a Decimal with one decimal place; blank is ``None``."""
    text = unicodedata.normalize("NFKC", raw or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as error:
        raise ValueError(raw) from error
    if not value.is_finite() or value != value.quantize(Decimal("0.1")):
        raise ValueError(raw)
    return value.quantize(Decimal("0.1"))


class HoursField(StringField):
    """Hours with at most one decimal place (half-hours, quarter-hours rounded by the user)."""

    def __init__(self, label=None, minimum="0", maximum="999", **kwargs):
        super().__init__(label, **kwargs)
        self.minimum, self.maximum = Decimal(minimum), Decimal(maximum)
        self.parsed: Decimal | None = None

    def pre_validate(self, form):
        self.parsed = None
        try:
            value = parse_hours(self.data)
        except ValueError:
            raise ValidationError(_l("Enter hours as a number, like 2.5.")) from None
        if value is not None and not self.minimum <= value <= self.maximum:
            raise ValidationError(
                _l(
                    "Enter a number of hours from %(min)s to %(max)s.",
                    min=self.minimum,
                    max=self.maximum,
                )
            )
        self.parsed = value


class CohortForm(FlaskForm):
    """A new training cohort."""

    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter a name, like 2026 spring.")),
            Length(max=COHORT_NAME_MAX, message=_l("At most %(max)d characters.")),
        ],
        filters=[normalise_text],
    )
    starts_on = DateField(_l("First day"), **DATE)
    ends_on = DateField(_l("Last day"), **DATE)
    required_hours = HoursField(
        _l("Hours required for certification"),
        maximum="500",
        validators=[InputRequired(_l("Enter the hours required (0 if none)."))],
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Create cohort"))


class SessionForm(FlaskForm):
    """A new session of a cohort."""

    held_on = DateField(_l("Date"), **DATE)
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Enter a title, like Interpreting ethics.")),
            Length(max=200, message=_l("At most %(max)d characters.")),
        ],
        filters=[normalise_text],
    )
    hours = HoursField(
        _l("Hours"),
        minimum="0.5",
        maximum="24",
        validators=[InputRequired(_l("Enter how many hours the session lasted."))],
    )
    submit = SubmitField(_l("Add session"))


class AttendanceForm(FlaskForm):
    """The attendance sheet: one hours box per trainee (``hours-<supporter id>``), blank = absent.

    The boxes are read from the request by :meth:`read_hours`, since the roster changes.
    """

    submit = SubmitField(_l("Save attendance"))

    def read_hours(self, formdata, supporter_ids, session_hours: Decimal):
        """Parse every trainee's box; returns (hours by supporter id, errors by supporter id)."""
        hours, errors = {}, {}
        for supporter_id in supporter_ids:
            raw = formdata.get(f"hours-{supporter_id}", "")
            try:
                value = parse_hours(raw)
            except ValueError:
                errors[supporter_id] = _l("Enter hours as a number, like 2.5.")
                continue
            if value is not None and not Decimal("0") <= value <= session_hours:
                errors[supporter_id] = _l(
                    "Enter a number of hours from %(min)s to %(max)s.", min=0, max=session_hours
                )
                continue
            hours[supporter_id] = value
        return hours, errors
