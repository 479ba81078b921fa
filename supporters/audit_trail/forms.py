"""The audit trail's filter form (GET, no CSRF: it only reads)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional, ValidationError

from supporters.audit_trail.labels import CHANNEL_LABELS, action_label
from supporters.formkit import QuickSelectField, options


class AuditFilterForm(FlaskForm):
    """Actor, action, object, channel and a JST date range."""

    class Meta:
        csrf = False

    actor = StringField(_l("Who (e-mail or name)"), validators=[Optional(), Length(max=254)])
    action = QuickSelectField(_l("Action"), validators=[Optional()])
    object_type = QuickSelectField(_l("Record type"), validators=[Optional()])
    object_id = StringField(_l("Record id"), validators=[Optional(), Length(max=40)])
    channel = QuickSelectField(_l("Channel"), validators=[Optional()])
    date_from = DateField(_l("From (JST)"), validators=[Optional()])
    date_to = DateField(_l("To (JST)"), validators=[Optional()])

    def __init__(self, *args, actions=(), object_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = options(
            [("", _l("All")), *((code, action_label(code)) for code in actions)]
        )
        self.object_type.choices = options(
            [("", _l("All")), *((name, name) for name in object_types)]
        )
        self.channel.choices = options([("", _l("All")), *CHANNEL_LABELS.items()])

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date must not be before the start date."))
