"""Forms of the account pages: set a password, ask for a reset, change a password, invite.

They only hand over what was typed; :mod:`supporters.credentials.service` holds every rule
(required boxes, the strength rule, the two copies agreeing, the current password).
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField

from supporters.auth.passwords import MAX_LENGTH
from supporters.credentials.service import EMAIL_LENGTH, PasswordDraft


def _password_field(label, autocomplete: str = "new-password") -> PasswordField:
    # Browser hints only: the service refuses an empty, long or weak password, once.
    return PasswordField(
        label,
        render_kw={"autocomplete": autocomplete, "maxlength": MAX_LENGTH, "required": True},
    )


class SetPasswordForm(FlaskForm):
    """A new password, twice (invitation and reset)."""

    password = _password_field(_l("New password"))
    confirm = _password_field(_l("New password again"))
    submit = SubmitField(_l("Save password"))

    def draft(self) -> PasswordDraft:
        """What was typed, for the service."""
        return PasswordDraft(password=self.password.data or "", confirm=self.confirm.data or "")


class ChangePasswordForm(SetPasswordForm):
    """The current password, then the new one twice."""

    current = _password_field(_l("Current password"), autocomplete="current-password")
    submit = SubmitField(_l("Change password"))

    def draft(self) -> PasswordDraft:
        """What was typed, for the service."""
        return PasswordDraft(
            password=self.password.data or "",
            confirm=self.confirm.data or "",
            current=self.current.data or "",
        )


class ForgotPasswordForm(FlaskForm):
    """The e-mail address to send a reset link to."""

    email = EmailField(
        _l("E-mail"),
        render_kw={"autocomplete": "email", "maxlength": EMAIL_LENGTH, "required": True},
    )
    submit = SubmitField(_l("Send me a link"))


class InviteForm(FlaskForm):
    """A POST-only button (with its CSRF token) on the registry page."""
