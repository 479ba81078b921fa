"""The registry page's lending buttons: one language, lend or withdraw (types only; the service
checks the rest)."""

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired


class LendingForm(FlaskForm):
    """Lend the supporter for a language, or withdraw that consent."""

    language = HiddenField(validators=[DataRequired()])
    action = HiddenField(validators=[AnyOf(("lend", "withdraw"))])
