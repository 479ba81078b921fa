"""The residents' request form: plain words, every message in the resident's language.

The form only parses what was sent (a choice from a list, a readable date and time); every rule
about the request itself is the intake service's (``help_requests/intake.py``), whose messages
are the public catalogue's. WTForms' own messages ("Not a valid choice.") exist in few of our
languages, so every parse check that can reach a resident carries a message of its own.
"""

import unicodedata
from datetime import date, datetime, timedelta

from babel import Locale
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Optional

from supporters.clock import JST
from supporters.extensions import db
from supporters.formkit import options
from supporters.help_requests.intake import (
    MAX_LENGTHS,
    MIN_WINDOW_MINUTES,
    RequestDraft,
    normalise_phone,
    six_months_after,  # noqa: F401 (kept importable from here)
)
from supporters.i18n import EASY_JAPANESE, country_choices, current_locale, localized_name
from supporters.models import Language, Mode, Municipality, RequestCategory, RequestSource
from supporters.public import abuse
from supporters.registry.forms import normalise_text

NO_INTERPRETER = "none"  # the language choice "Easy Japanese is enough"
UNKNOWN_DURATION_MINUTES = 120  # assumed when the resident does not know, capped by the window

CATEGORY_CHOICES = (
    (RequestCategory.HOSPITAL, _l("Hospital or clinic")),
    (RequestCategory.GOVERNMENT_OFFICE, _l("City office, immigration or driver's licence")),
    (RequestCategory.CHILDCARE, _l("Children: nursery, school, child health")),
    (RequestCategory.LABOR, _l("Work")),
    (RequestCategory.DAILY_LIFE, _l("Daily life: housing, bank, other")),
)
MODE_CHOICES = (
    (Mode.IN_PERSON, _l("Come with me (in person)")),
    (Mode.PHONE, _l("By phone")),
    (Mode.VIDEO, _l("By video call")),
)
DURATION_CHOICES = (
    ("", _l("I don't know")),
    ("30", _l("About 30 minutes")),
    ("60", _l("About 1 hour")),
    ("90", _l("About 1.5 hours")),
    ("120", _l("About 2 hours")),
    ("180", _l("About 3 hours")),
    ("240", _l("4 hours or more")),
)
GENDER_CHOICES = (
    ("", _l("No preference")),
    ("female", _l("A woman")),
    ("male", _l("A man")),
)


def _hint(name: str) -> dict:
    """The browser's ``maxlength`` hint: the intake's limit (the service checks it)."""
    return {"maxlength": MAX_LENGTHS[name]}


class _BlankIsMissing:
    """An empty date or time is "missing" (InputRequired says so), not "unreadable"."""

    def process_formdata(self, valuelist):
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class _DateField(_BlankIsMissing, DateField):
    pass


class _TimeField(_BlankIsMissing, TimeField):
    pass


def municipality_choices() -> list[tuple[str, str]]:
    """The programme's municipalities named for the reader: kana readings in Easy Japanese,
    sorted by reading."""
    from supporters.help_requests.intake import in_programme_area

    rows = [m for m in db.session.scalars(select(Municipality)) if in_programme_area(m.code)]
    locale = current_locale()
    if locale == "ja@easy":
        pairs = [(m.code, f"{m.name_ja}（{m.kana}）", m.kana) for m in rows]
    elif locale.startswith("ja"):
        pairs = [(m.code, m.name_ja, m.kana) for m in rows]
    else:
        pairs = [(m.code, m.name_en, m.name_en) for m in rows]
    return [(code, label) for code, label, _key in sorted(pairs, key=lambda p: p[2])]


def language_choices() -> list[tuple[str, str]]:
    """Languages by their own name, with the name in the UI language when it differs."""
    # CLDR's Japanese names end in 語 (ベトナム語); Easy Japanese reads them in kana (ベトナムご).
    names = {} if current_locale() == "ja@easy" else Locale.parse(current_locale()).languages
    pairs = []
    for lang in db.session.scalars(select(Language)):
        shown = names.get(lang.code) or localized_name(lang)
        label = lang.name_native if shown == lang.name_native else f"{lang.name_native} ({shown})"
        pairs.append((lang.code, label))
    return sorted(pairs, key=lambda pair: pair[1].casefold())


def suggested_language(ui_code: str) -> str | None:
    """The interpretation language a resident reading the page in ``ui_code`` most likely needs."""
    if ui_code in ("ja", EASY_JAPANESE, "en"):
        return None  # they may need any language: let them choose
    code = {"fil": "tl"}.get(ui_code, ui_code.split("-", 1)[0])
    return code if db.session.get(Language, code) is not None else None


class HelpRequestForm(FlaskForm):
    """What, how, in which language, when and where, who, and consent to the privacy notice."""

    category = RadioField(
        _l("What do you need help with?"),
        choices=options((c.value, label) for c, label in CATEGORY_CHOICES),
        invalid_choice_message=_l("Choose what you need help with."),
    )
    mode = RadioField(
        _l("How should the supporter help?"),
        choices=options((m.value, label) for m, label in MODE_CHOICES),
        default=Mode.IN_PERSON.value,
        invalid_choice_message=_l("Choose how the supporter should help."),
    )
    # "" means not answered yet (the draft has no way to say so); "none" is Easy Japanese. Which
    # languages exist is the intake's rule.
    language = SelectField(
        _l("Your language"),
        validators=[DataRequired(_l("Choose your language."))],
        validate_choice=False,
    )
    on = _DateField(
        _l("Date"),
        validators=[InputRequired(_l("Enter the date."))],
        invalid_value_message=_l("Enter the date like 2026-05-14."),
    )
    time_from = _TimeField(
        _l("From"),
        validators=[InputRequired(_l("Enter the start time."))],
        format=["%H:%M", "%H:%M:%S"],
        invalid_value_message=_l("Enter the time like 09:30."),
    )
    time_to = _TimeField(
        _l("Until"),
        validators=[InputRequired(_l("Enter the end time."))],
        format=["%H:%M", "%H:%M:%S"],
        invalid_value_message=_l("Enter the time like 09:30."),
    )
    duration = SelectField(
        _l("How long will it take?"),
        choices=options(DURATION_CHOICES),
        validators=[Optional()],
        invalid_choice_message=_l("Choose from the list."),
    )
    # Which municipality exists is the intake's rule: the choice is not checked here.
    municipality = SelectField(_l("City, town or village"), validate_choice=False)
    place_name = StringField(
        _l("Place (optional)"), filters=[normalise_text], render_kw=_hint("place_name")
    )
    name = StringField(_l("Your name"), filters=[normalise_text], render_kw=_hint("requester_name"))
    contact = StringField(
        _l("Phone number or e-mail"),
        filters=[lambda v: unicodedata.normalize("NFKC", v or "").strip()],
        render_kw=_hint("requester_contact"),
    )
    # An automatic message to the resident is more than "we contact you about your request":
    # it is sent only when they ask for it here (supporters/help_requests/reminders.py).
    remind = BooleanField(
        _l("Send me a reminder the day before, to this e-mail address or mobile number.")
    )
    nationality = SelectField(
        _l("Nationality (optional)"),
        validators=[Optional()],
        invalid_choice_message=_l("Choose from the list."),
    )
    preferred_gender = SelectField(
        _l("Supporter: woman or man? (optional)"),
        choices=options(GENDER_CHOICES),
        validators=[Optional()],
        invalid_choice_message=_l("Choose from the list."),
    )
    need = TextAreaField(
        _l("What should the supporter know? (optional)"),
        filters=[normalise_text],
        render_kw=_hint("need"),
    )
    consent = BooleanField(_l("I have read the privacy notice and I agree."))
    submit = SubmitField(_l("Send request"))
    # Bot traps (supporters/public/abuse.py): a field no person sees or fills in, and the signed
    # time the form was shown. Neither is ever shown back as an error.
    website = StringField(_l("Leave this field empty"))
    started = HiddenField()

    def __init__(self, *args, ui_code: str = "ja", **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = options(
            [("", _l("Choose…")), (NO_INTERPRETER, _l("Easy Japanese is enough")),
             *language_choices()]
        )  # fmt: skip
        self.municipality.choices = options([("", _l("Choose…")), *municipality_choices()])
        not_stated = lazy_pgettext("nationality choice", "Not stated")  # "prefer not to say"
        self.nationality.choices = options([("", not_stated), *country_choices()])
        if not self.is_submitted():
            self.language.data = suggested_language(ui_code) or ""
            self.started.data = abuse.started_token()

    # --- what the form means ------------------------------------------------------------------

    def _day(self) -> date:
        return self.on.data or datetime.now(JST).date()  # a missing date still has a window

    def starts_at(self) -> datetime:
        return datetime.combine(self._day(), self.time_from.data, tzinfo=JST)

    def ends_at(self) -> datetime:
        return datetime.combine(self._day(), self.time_to.data, tzinfo=JST)

    def window_minutes(self) -> int:
        return int((self.ends_at() - self.starts_at()) / timedelta(minutes=1))

    def duration_minutes(self) -> int:
        """The resident's estimate, or a modest guess within the window when they do not know."""
        if self.duration.data:
            return int(self.duration.data)
        if self.window_minutes() < MIN_WINDOW_MINUTES:  # the window itself is refused
            return UNKNOWN_DURATION_MINUTES
        return min(self.window_minutes(), UNKNOWN_DURATION_MINUTES)

    def contact_value(self) -> str:
        value = self.contact.data or ""
        return value if "@" in value else normalise_phone(value)

    def to_draft(self) -> RequestDraft:
        """The parsed form as the intake service's draft (source: the resident)."""
        language = self.language.data
        return RequestDraft(
            category=RequestCategory(self.category.data),
            mode=Mode(self.mode.data),
            language_code=None if language == NO_INTERPRETER else language,
            municipality_code=self.municipality.data or "",
            starts_at=self.starts_at(),
            ends_at=self.ends_at(),
            duration_minutes=self.duration_minutes(),
            requester_name=self.name.data or "",
            requester_contact=self.contact_value(),
            source=RequestSource.RESIDENT,
            place_name=self.place_name.data or "",
            preferred_gender=self.preferred_gender.data or None,
            requester_nationality=self.nationality.data or None,
            need=self.need.data or "",
            remind_consent=bool(self.remind.data),
        )

    # The intake service's field names → this form's fields (``refusals.show_on_form``).
    SERVICE_FIELDS = {
        "municipality_code": "municipality",
        "language_code": "language",
        "starts_at": "on",
        "ends_at": "time_to",
        "duration_minutes": "duration",
        "requester_name": "name",
        "requester_contact": "contact",
        "requester_nationality": "nationality",
    }
