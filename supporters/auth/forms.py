"""Sign-in forms: password, the second factor, and the two-factor settings."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

# A one-time code from an authenticator app: phones offer the code from an SMS or the app, and a
# number pad.
_CODE_INPUT = {"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class SecondFactorForm(FlaskForm):
    """The 6-digit code from the authenticator app, or one recovery code instead."""

    code = StringField(
        _l("6-digit code from your authenticator app"),
        validators=[Optional(), Length(max=20)],
        render_kw=_CODE_INPUT,
    )
    recovery_code = StringField(
        _l("Recovery code"),
        validators=[Optional(), Length(max=40)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"},
    )
    submit = SubmitField(_l("Continue"))

    @property
    def typed(self) -> str:
        """Whichever of the two fields was filled in (the code first)."""
        return (self.code.data or "").strip() or (self.recovery_code.data or "").strip()


class ConfirmCodeForm(FlaskForm):
    """Confirm a new authenticator with a code it shows (``twofactor.confirm_enrolment`` checks
    it, an empty box included)."""

    code = StringField(
        _l("6-digit code from your authenticator app"),
        render_kw={**_CODE_INPUT, "required": True, "maxlength": 20},
    )
    submit = SubmitField(_l("Turn on two-factor sign-in"))


class PasswordAgainForm(FlaskForm):
    """Re-enter the password before changing the two-factor settings (``twofactor`` checks it,
    an empty box included)."""

    password = PasswordField(
        _l("Your password"),
        render_kw={"autocomplete": "current-password", "required": True, "maxlength": 1024},
    )
    submit = SubmitField(_l("Confirm"))


class PostForm(FlaskForm):
    """An empty form: a POST-only button that still carries a CSRF token."""
