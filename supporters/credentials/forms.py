"""Forms of the account pages: set a password, ask for a reset, change a password, invite."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import InputRequired, Length

from supporters.auth.passwords import MAX_LENGTH

_REQUIRED = _l("Please fill in this field.")


def _password_field(label) -> PasswordField:
    # Strength is the service's rule (one place for every channel); the form only bounds input.
    return PasswordField(
        label,
        validators=[InputRequired(_REQUIRED), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "new-password", "maxlength": MAX_LENGTH},
    )


class SetPasswordForm(FlaskForm):
    """A new password, twice (invitation and reset)."""

    password = _password_field(_l("New password"))
    confirm = _password_field(_l("New password again"))
    submit = SubmitField(_l("Save password"))


class ChangePasswordForm(SetPasswordForm):
    """The current password, then the new one twice."""

    current = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_REQUIRED), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Change password"))


class ForgotPasswordForm(FlaskForm):
    """The e-mail address to send a reset link to."""

    email = EmailField(
        _l("E-mail"),
        validators=[InputRequired(_REQUIRED), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    submit = SubmitField(_l("Send me a link"))


class InviteForm(FlaskForm):
    """A POST-only button (with its CSRF token) on the registry page."""
