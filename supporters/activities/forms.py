"""The case-log form: everything defaulted, so a typical case is a handful of taps.

The form only parses what was posted into an :class:`ActivityEntry` (a value it cannot read
becomes ``None``); the rules are ``activities.log.check``'s, shown with ``show_on_form``.
"""

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional, ValidationError

from supporters import counters
from supporters.activities.log import MAX_DURATION, MAX_NOTES, ActivityEntry
from supporters.clock import today_jst
from supporters.formkit import options
from supporters.input_guard import parse_id
from supporters.models import Activity, ActivityCategory, ActivityOutcome, HelpRequest, Mode
from supporters.portal.labels import CATEGORY_LABELS, MODE_LABELS, OUTCOME_LABELS
from supporters.registry.forms import language_choices, municipality_choices, normalise_text

QUICK_DURATIONS = (30, 60, 90, 120, 180)
OTHER = "other"


def duration_label(minutes: int) -> Markup | str:
    """``90`` → "1 h 30 min" in the UI language; on Easy Japanese pages with the counters'
    readings as ``<ruby>`` (Markup, which WTForms' labels keep as it is)."""
    return counters.duration(minutes)


def new_client_token() -> str:
    """A random token for one rendering of the form: the same case sent twice is saved once."""
    return secrets.token_urlsafe(24)


class ActivityForm(FlaskForm):
    """One case or activity; information dissemination also asks how many people it reached."""

    client_token = HiddenField()
    request_id = HiddenField()
    happened_on = DateField(
        _l("Date"),
        invalid_value_message=_l("Enter the date."),
        render_kw={"required": True},
    )
    duration = RadioField(_l("How long"), validators=[InputRequired(_l("Choose how long."))])
    duration_other = IntegerField(
        _l("Minutes"),
        validators=[Optional()],
        invalid_value_message=_l("Enter minutes as a number."),
        render_kw={"min": 1, "max": MAX_DURATION},
    )
    category = RadioField(_l("What kind of help"), validate_choice=False)
    mode = RadioField(_l("How"), validate_choice=False)
    municipality_code = SelectField(_l("Municipality"), validate_choice=False)
    language_code = SelectField(_l("Language"), validate_choice=False)
    outcome = RadioField(_l("Outcome"), validate_choice=False)
    people_reached = IntegerField(
        _l("People reached"),
        validators=[Optional()],
        invalid_value_message=_l("Enter the number of people as a number."),
    )
    follow_up_needed = BooleanField(_l("Follow-up needed"))
    notes = TextAreaField(
        _l("Notes for the coordinator"),
        filters=[normalise_text],
        render_kw={"maxlength": MAX_NOTES},
    )
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duration.choices = options(
            [*((str(m), duration_label(m)) for m in QUICK_DURATIONS), (OTHER, _l("Other"))]
        )
        self.category.choices = options((c.value, CATEGORY_LABELS[c]) for c in ActivityCategory)
        self.mode.choices = options((m.value, MODE_LABELS[m]) for m in Mode)
        self.municipality_code.choices = options(municipality_choices())
        self.language_code.choices = options(
            [("", _l("Japanese only / none")), *language_choices()]
        )
        self.outcome.choices = options((o.value, OUTCOME_LABELS[o]) for o in ActivityOutcome)

    # --- defaults ----------------------------------------------------------------------------

    def prefill(self, supporter, request: HelpRequest | None = None) -> None:
        """Defaults for a new entry: today, the supporter's home and first language, or the
        assignment's date, duration, category, mode, municipality and language."""
        from supporters.clock import JST

        self.client_token.data = new_client_token()
        self.happened_on.data = today_jst()
        self.set_duration(60)
        self.category.data = ActivityCategory.DAILY_LIFE.value
        self.mode.data = (supporter.modes or [Mode.IN_PERSON])[0].value
        self.municipality_code.data = supporter.home_municipality_code
        self.language_code.data = (
            supporter.languages[0].language_code if supporter.languages else ""
        )
        if request is not None:
            self.request_id.data = str(request.id)
            self.happened_on.data = min(request.starts_at.astimezone(JST).date(), today_jst())
            self.set_duration(request.duration_minutes)
            self.category.data = request.category.value
            self.mode.data = request.mode.value
            self.municipality_code.data = request.municipality_code
            self.language_code.data = request.language_code or ""

    def load(self, activity: Activity) -> None:
        """Show a logged activity for correction."""
        self.client_token.data = activity.client_token
        self.happened_on.data = activity.happened_on
        self.set_duration(activity.duration_minutes)
        self.category.data = activity.category.value
        self.mode.data = activity.mode.value
        self.municipality_code.data = activity.municipality_code
        self.language_code.data = activity.language_code or ""
        self.outcome.data = activity.outcome.value if activity.outcome else None
        self.people_reached.data = activity.people_reached
        self.follow_up_needed.data = activity.follow_up_needed
        self.notes.data = activity.notes

    def set_duration(self, minutes: int) -> None:
        if minutes in QUICK_DURATIONS:
            self.duration.data, self.duration_other.data = str(minutes), None
        else:
            self.duration.data, self.duration_other.data = OTHER, minutes

    # --- parsing ------------------------------------------------------------------------------

    def validate_duration_other(self, field):
        """ "Other" chosen but no number given: the form cannot tell how long it was."""
        if self.duration.data == OTHER and field.data is None and not field.errors:
            raise ValidationError(_l("Enter how many minutes."))

    @property
    def minutes(self) -> int | None:
        if self.duration.data == OTHER:
            return self.duration_other.data
        return int(self.duration.data)

    def entry(self) -> ActivityEntry:
        """What was posted, parsed into an :class:`ActivityEntry` (the service checks it)."""
        request_id = (self.request_id.data or "").strip()
        return ActivityEntry(
            happened_on=self.happened_on.data,
            duration_minutes=self.minutes,
            category=_choice(ActivityCategory, self.category.data),
            mode=_choice(Mode, self.mode.data),
            municipality_code=self.municipality_code.data or None,
            language_code=self.language_code.data or None,
            outcome=_choice(ActivityOutcome, self.outcome.data),
            people_reached=self.people_reached.data,
            follow_up_needed=bool(self.follow_up_needed.data),
            notes=self.notes.data or "",
            client_token=(self.client_token.data or "").strip(),
            request_id=parse_id(request_id),
        )

    # Which form field shows the service's message about each entry attribute.
    FIELD_NAMES = {
        "duration_minutes": "duration_other",
        "client_token": "notes",
        "request_id": "category",
    }


def _choice(enum_class, value):
    """The enum member named by a posted ``value``, or None (the service says what is missing)."""
    try:
        return enum_class(value) if value else None
    except ValueError:
        return None
