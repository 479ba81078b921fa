"""Forms of the accounts console and of the owner's API tokens page."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from supporters.accounts.labels import ROLE_LABELS, STATE_LABELS
from supporters.api.tokens import MAX_DAYS
from supporters.formkit import options


class AccountFilterForm(FlaskForm):
    """Filters of the account list (GET, so no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or e-mail"), validators=[Optional(), Length(max=100)])
    role = SelectField(
        _l("Role"),
        choices=options([("", _l("All")), *((r.value, lbl) for r, lbl in ROLE_LABELS.items())]),
        validators=[Optional()],
    )
    state = SelectField(
        _l("Account"),
        choices=options([("", _l("All")), *STATE_LABELS.items()]),
        validators=[Optional()],
    )


class ReasonForm(FlaskForm):
    """Deactivate or reactivate an account: why (kept in the audit trail)."""

    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(_l("Give a reason.")), Length(max=1000)]
    )
    submit = SubmitField(_l("Confirm"))


class SessionForm(FlaskForm):
    """End one sign-in session (its id in a hidden field)."""

    session_id = HiddenField(validators=[InputRequired()])

    def session_number(self) -> int | None:
        """The session id sent, or None when it is not a number."""
        return _number(self.session_id.data)


class TokenForm(FlaskForm):
    """Revoke one API token (its id in a hidden field)."""

    token_id = HiddenField(validators=[InputRequired()])

    def token_number(self) -> int | None:
        """The token id sent, or None when it is not a number."""
        return _number(self.token_id.data)


class NewTokenForm(FlaskForm):
    """Make an API token for oneself: what it is for, and how many days it lives."""

    name = StringField(
        _l("What is it for?"),
        validators=[DataRequired(_l("Say what the token is for.")), Length(max=100)],
    )
    days = IntegerField(
        _l("Valid for (days)"),
        default=90,
        validators=[
            InputRequired(_l("Enter a number of days.")),
            NumberRange(1, MAX_DAYS, _l("Choose from 1 to %(max)d days.", max=MAX_DAYS)),
        ],
    )
    submit = SubmitField(_l("Make a token"))


def _number(value) -> int | None:
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        return None
    return int(text)
