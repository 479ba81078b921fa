"""Console forms for help requests: intake (fast, for a phone call), offers and transitions.

The intake form only parses; the rules of a request are the intake service's
(``help_requests/intake.py``), which answers with the same messages as the public form and the API.
"""

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Optional

from supporters import counters
from supporters.clock import JST, today_jst
from supporters.formkit import MultiCheckboxField, QuickSelectField, options
from supporters.help_requests.intake import MAX_LENGTHS, RequestDraft
from supporters.help_requests.labels import (
    CATEGORY_LABELS,
    CONSENT_CHANNEL_LABELS,
    DECLINE_REASON_LABELS,
    REQUEST_STATUS_LABELS,
    SOURCE_LABELS,
    URGENCY_LABELS,
)
from supporters.i18n import country_choices
from supporters.models import (
    GENDERS,
    ConsentChannel,
    Mode,
    RequestCategory,
    RequestSource,
    Urgency,
)
from supporters.registry.forms import (
    area_municipality_choices,
    language_choices,
    normalise_phone,
    normalise_text,
)
from supporters.registry.labels import GENDER_LABELS, MODE_LABELS

DURATIONS = (30, 60, 90, 120, 180, 240, 360, 480)


def _hint(name: str) -> dict:
    """The browser's ``maxlength`` hint: the intake's limit (the service checks it)."""
    return {"maxlength": MAX_LENGTHS[name]}


def _duration_label(minutes: int) -> str:
    """An ``<option>``'s duration in the reader's words (no ``<ruby>`` inside an option)."""
    return counters.duration(minutes, plain=True)


class IntakeForm(FlaskForm):
    """Everything a coordinator asks on the phone, in the order the conversation goes."""

    consent = BooleanField(_l("The resident was told the privacy notice and agreed"))
    consent_channel = SelectField(_l("How consent was given"))
    consent_language = SelectField(_l("Language the notice was given in"))
    requester_name = StringField(
        _l("Name of the person who needs help"),
        filters=[normalise_text],
        render_kw=_hint("requester_name"),
    )
    requester_contact = StringField(
        _l("Phone or e-mail"), filters=[normalise_phone], render_kw=_hint("requester_contact")
    )
    remind_consent = BooleanField(
        _l("The resident wants a reminder the day before (by e-mail, or SMS to a mobile)")
    )
    category = SelectField(_l("Help needed"))
    mode = SelectField(_l("How"))
    # Which languages and municipalities exist is the intake's rule, not the list's.
    language_code = SelectField(_l("Language"), validate_choice=False)
    municipality_code = SelectField(_l("Municipality"), validate_choice=False)
    place_name = StringField(
        _l("Place (facility name)"), filters=[normalise_text], render_kw=_hint("place_name")
    )
    place_address = StringField(
        _l("Address"), filters=[normalise_text], render_kw=_hint("place_address")
    )
    day = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date."))])
    starts = TimeField(_l("From"), validators=[InputRequired(_l("Enter the start time."))])
    ends = TimeField(_l("Until"), validators=[InputRequired(_l("Enter the end time."))])
    duration_minutes = SelectField(_l("Expected duration"), coerce=int)
    urgency = SelectField(_l("Urgency"))
    preferred_gender = SelectField(_l("Preferred supporter gender"))
    requester_nationality = SelectField(_l("Nationality"))
    residence_status = StringField(
        _l("Residence status"), filters=[normalise_text], render_kw=_hint("residence_status")
    )
    source = SelectField(_l("Request came from"))
    need = TextAreaField(_l("What is needed"), filters=[normalise_text], render_kw=_hint("need"))
    submit = SubmitField(_l("Save request"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.consent_channel.choices = options(
            (c.value, CONSENT_CHANNEL_LABELS[c])
            for c in (ConsentChannel.PHONE, ConsentChannel.IN_PERSON, ConsentChannel.PAPER)
        )
        languages = language_choices()
        self.consent_language.choices = options([("ja", "日本語 (Japanese)"), *languages])
        self.category.choices = options((c.value, CATEGORY_LABELS[c]) for c in RequestCategory)
        self.mode.choices = options((m.value, MODE_LABELS[m]) for m in Mode)
        from supporters.help_requests.labels import language_label

        self.language_code.choices = options([("", language_label(None)), *languages])
        self.municipality_code.choices = options(area_municipality_choices())
        self.duration_minutes.choices = options((m, _duration_label(m)) for m in DURATIONS)
        self.urgency.choices = options((u.value, URGENCY_LABELS[u]) for u in Urgency)
        self.preferred_gender.choices = options(
            [("", _l("No preference")), *((g, GENDER_LABELS[g]) for g in GENDERS[:2])]
        )
        self.requester_nationality.choices = options([("", "—"), *country_choices()])
        self.source.choices = options((s.value, SOURCE_LABELS[s]) for s in RequestSource)
        if self.day.data is None and not self.is_submitted():
            self.day.data = today_jst() + timedelta(days=1)
            self.duration_minutes.data = 120

    # The intake service's field names → this form's fields (``refusals.show_on_form``).
    SERVICE_FIELDS = {"starts_at": "day", "ends_at": "ends"}

    def draft(self) -> RequestDraft:
        """The parsed form as a :class:`RequestDraft` (times read as JST)."""
        return RequestDraft(
            category=RequestCategory(self.category.data),
            mode=Mode(self.mode.data),
            language_code=self.language_code.data or None,
            municipality_code=self.municipality_code.data or "",
            starts_at=datetime.combine(self.day.data, self.starts.data, JST),
            ends_at=datetime.combine(self.day.data, self.ends.data, JST),
            duration_minutes=self.duration_minutes.data,
            requester_name=self.requester_name.data or "",
            requester_contact=self.requester_contact.data or "",
            source=RequestSource(self.source.data),
            place_name=self.place_name.data or "",
            place_address=self.place_address.data or "",
            urgency=Urgency(self.urgency.data),
            preferred_gender=self.preferred_gender.data or None,
            requester_nationality=self.requester_nationality.data or None,
            residence_status=self.residence_status.data or "",
            need=self.need.data or "",
            remind_consent=bool(self.remind_consent.data),
        )


class OfferForm(FlaskForm):
    """Send the request to one or several ranked candidates."""

    supporter_ids = MultiCheckboxField(_l("Send an offer to"), coerce=int)
    submit = SubmitField(_l("Send offers"))

    def __init__(self, candidate_choices=(), *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.supporter_ids.choices = options(candidate_choices)


class ReasonForm(FlaskForm):
    """A transition that needs a reason (cancel, release) or takes an optional note."""

    reason = TextAreaField(
        _l("Reason or note"), filters=[normalise_text], render_kw={"maxlength": 1000}
    )
    submit = SubmitField(_l("Confirm"))


class ReferForm(FlaskForm):
    """Refer the request to an outside service."""

    referred_to = StringField(  # required: the lifecycle service says so
        _l("Referred to"), filters=[normalise_text], render_kw={"maxlength": 200}
    )
    reason = TextAreaField(_l("Note"), filters=[normalise_text], render_kw={"maxlength": 1000})
    submit = SubmitField(_l("Refer out"))


class DeclineForm(FlaskForm):
    """A supporter declines an offer, with a reason."""

    # Which reasons exist (and that one is chosen) is the offers service's rule.
    reason = SelectField(_l("Why not?"), validate_choice=False)
    note = TextAreaField(
        _l("Anything to add (optional)"),
        filters=[normalise_text],
        render_kw={"maxlength": 1000},
    )
    submit = SubmitField(_l("Decline"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = options(DECLINE_REASON_LABELS.items())


class RequestFilterForm(FlaskForm):
    """Filter the request list (GET, no CSRF)."""

    class Meta:
        csrf = False

    status = QuickSelectField(_l("Status"), validators=[Optional()])
    municipality = QuickSelectField(_l("Municipality"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = options(
            [
                ("open", _l("Open (new, offered, unfilled)")),
                ("", _l("All")),
                *((s.value, label) for s, label in REQUEST_STATUS_LABELS.items()),
            ]
        )
        self.municipality.choices = options([("", _l("All")), *area_municipality_choices()])
