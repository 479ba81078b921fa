"""Forms of the accounts console and of the owner's API tokens page.

They parse (text, a whole number); :mod:`supporters.accounts.service` holds every rule.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from supporters.accounts.labels import ROLE_LABELS, STATE_LABELS
from supporters.accounts.service import REASON_LENGTH, TokenDraft
from supporters.api.tokens import MAX_DAYS, NAME_LENGTH
from supporters.formkit import QuickSelectField, options


class AccountFilterForm(FlaskForm):
    """Filters of the account list (GET, so no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or e-mail"), validators=[Optional(), Length(max=100)])
    role = QuickSelectField(
        _l("Role"),
        choices=options([("", _l("All")), *((r.value, lbl) for r, lbl in ROLE_LABELS.items())]),
        validators=[Optional()],
    )
    state = QuickSelectField(
        _l("Account"),
        choices=options([("", _l("All")), *STATE_LABELS.items()]),
        validators=[Optional()],
    )


class ReasonForm(FlaskForm):
    """Deactivate or reactivate an account: why (kept in the audit trail)."""

    reason = TextAreaField(_l("Reason"), render_kw={"required": True, "maxlength": REASON_LENGTH})
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
        _l("What is it for?"), render_kw={"required": True, "maxlength": NAME_LENGTH}
    )
    # Only parsed here ("not a whole number"); the service says what is missing or out of range.
    days = IntegerField(
        _l("Valid for (days)"),
        default=90,
        validators=[Optional()],
        render_kw={"required": True, "min": 1, "max": MAX_DAYS},
    )
    submit = SubmitField(_l("Make a token"))

    def draft(self) -> TokenDraft:
        """What was asked for, for :func:`supporters.accounts.service.issue_own_token`."""
        return TokenDraft(name=self.name.data or "", days=self.days.data)


def _number(value) -> int | None:
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        return None
    return int(text)
