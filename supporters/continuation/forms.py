"""Forms of the continuation console: start the check, retire chosen lapsed supporters.

The retire form only reads the ticked ids and the reason; ``service.retire_lapsed`` checks them.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField

from supporters.continuation.service import REASON_MAX
from supporters.formkit import MultiCheckboxField, options


class StartCheckForm(FlaskForm):
    """The button that asks every certified supporter this fiscal year's question."""

    submit = SubmitField(_l("Ask all certified supporters"))


class RetireLapsedForm(FlaskForm):
    """Checkboxes of the lapse list and the one reason recorded for each retirement."""

    # Whether each id is still on the lapse list is the service's question, not the form's.
    supporters = MultiCheckboxField(_l("Supporters to retire"), coerce=int, validate_choice=False)
    reason = TextAreaField(_l("Reason"), render_kw={"maxlength": REASON_MAX})
    submit = SubmitField(_l("Retire selected"))

    def set_choices(self, supporter_ids) -> None:
        """The supporters on the list now (the boxes the page shows)."""
        self.supporters.choices = options((sid, str(sid)) for sid in supporter_ids)
