"""Forms of the bulk actions and the duplicate decisions (parse only; rules in bulk.py and
duplicates.py)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SubmitField, TextAreaField

from supporters.help_requests.bulk import MESSAGE_LABELS
from supporters.input_guard import parse_id
from supporters.registry.forms import normalise_text


def selected_ids(values) -> list[int]:
    """The ids ticked on a list (``ids`` repeated); anything that is not an id is dropped."""
    ids = (parse_id(value) for value in values)
    return [i for i in ids if i is not None]


class DecisionForm(FlaskForm):
    """Merge or dismiss a possible duplicate: a button (CSRF only)."""


class BulkCloseForm(FlaskForm):
    """Close the selected requests with one reason."""

    reason = TextAreaField(
        _l("Reason or note"), filters=[normalise_text], render_kw={"maxlength": 1000}
    )
    confirmed = HiddenField()
    submit = SubmitField(_l("Close the selected requests"))


class MessageForm(FlaskForm):
    """Send one of the fixed messages to the selected supporters."""

    message = SelectField(_l("Message"), choices=[])
    confirmed = HiddenField()
    submit = SubmitField(_l("Send to the selected supporters"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.message.choices = [(key, label) for key, label in MESSAGE_LABELS.items()]
