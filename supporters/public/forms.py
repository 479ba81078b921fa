"""The residents' request form: plain words, every message in the resident's language.

WTForms' own messages ("Not a valid choice.") exist in few of our languages, so every check
that can reach a resident carries a message of its own from the public catalogue.
"""

import calendar
import re
import unicodedata
from datetime import date, datetime, timedelta

from babel import Locale
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
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
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from supporters.clock import JST
from supporters.extensions import db
from supporters.formkit import options
from supporters.help_requests.intake import RequestDraft
from supporters.i18n import EASY_JAPANESE, country_choices, current_locale, localized_name
from supporters.models import Language, Mode, Municipality, RequestCategory, RequestSource
from supporters.public import abuse
from supporters.registry.forms import normalise_phone, normalise_text
from supporters.textrules import name_problem

NO_INTERPRETER = "none"  # the language choice "Easy Japanese is enough"
UNKNOWN_DURATION_MINUTES = 120  # assumed when the resident does not know, capped by the window
MIN_WINDOW_MINUTES = 30
MONTHS_AHEAD = 6

_PHONE = re.compile(r"^\+?[0-9][0-9 \-()]{8,18}[0-9]$")

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


def _keep_short(limit: int) -> Length:
    return Length(max=limit, message=_l("Please keep this to %(max)d characters or fewer."))


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


def six_months_after(day: date) -> date:
    """The same day ``MONTHS_AHEAD`` months later (the month's last day if it is shorter)."""
    month_index = day.month - 1 + MONTHS_AHEAD
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def municipality_choices() -> list[tuple[str, str]]:
    """Municipalities named for the reader: kana readings in Easy Japanese, sorted by reading."""
    rows = list(db.session.scalars(select(Municipality)))
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
    names = Locale.parse(current_locale()).languages
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
    language = SelectField(
        _l("Your language"),
        validators=[DataRequired(_l("Choose your language."))],
        invalid_choice_message=_l("Choose your language."),
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
    municipality = SelectField(
        _l("City, town or village"),
        validators=[DataRequired(_l("Choose your city, town or village."))],
        invalid_choice_message=_l("Choose your city, town or village."),
    )
    place_name = StringField(
        _l("Place (optional)"),
        validators=[Optional(), _keep_short(200)],
        filters=[normalise_text],
    )
    name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Enter your name.")), _keep_short(100)],
        filters=[normalise_text],
    )
    contact = StringField(
        _l("Phone number or e-mail"),
        validators=[
            DataRequired(_l("Enter a phone number or an e-mail address.")),
            _keep_short(254),
        ],
        filters=[lambda v: unicodedata.normalize("NFKC", v or "").strip()],
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
        validators=[Optional(), _keep_short(2000)],
        filters=[normalise_text],
    )
    consent = BooleanField(
        _l("I have read the privacy notice and I agree."),
        validators=[
            DataRequired(
                _l("Please agree to the privacy notice. Without it we cannot take your request.")
            )
        ],
    )
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
        self.nationality.choices = options([("", _l("Not stated")), *country_choices()])
        if not self.is_submitted():
            self.language.data = suggested_language(ui_code) or ""
            self.started.data = abuse.started_token()

    # --- field checks -------------------------------------------------------------------------

    def validate_on(self, field):
        if field.data is None:  # unreadable: the field already says so
            return
        today = datetime.now(JST).date()
        if field.data < today:
            raise ValidationError(_l("Choose today or a later date."))
        if field.data > six_months_after(today):
            raise ValidationError(_l("Choose a date within the next six months."))

    def validate_time_from(self, field):
        if (
            field.data
            and self.on.data
            and not self.on.errors
            and self.starts_at() < datetime.now(JST)
        ):
            raise ValidationError(_l("This time has already passed."))

    def validate_time_to(self, field):
        if field.data and self.time_from.data and self.window_minutes() < MIN_WINDOW_MINUTES:
            raise ValidationError(
                _l("The end time must be at least 30 minutes after the start time.")
            )

    def validate_duration(self, field):
        if field.data and self.time_from.data and self.time_to.data:
            if int(field.data) > self.window_minutes() >= MIN_WINDOW_MINUTES:
                raise ValidationError(_l("This is longer than the time between start and end."))

    def validate_name(self, field):
        if problem := name_problem(field.data):
            raise ValidationError(problem)

    def validate_contact(self, field):
        value = field.data or ""
        if "@" in value:
            try:
                validate_email(value, check_deliverability=False)
            except EmailNotValidError:
                raise ValidationError(_l("This e-mail address does not look right.")) from None
        elif not _PHONE.match(normalise_phone(value)):
            raise ValidationError(_l("Enter a phone number like 090-1234-5678."))

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
        return min(self.window_minutes(), UNKNOWN_DURATION_MINUTES)

    def contact_value(self) -> str:
        value = self.contact.data or ""
        return value if "@" in value else normalise_phone(value)

    def to_draft(self) -> RequestDraft:
        """The validated form as the intake service's draft (source: the resident)."""
        language = self.language.data
        return RequestDraft(
            category=RequestCategory(self.category.data),
            mode=Mode(self.mode.data),
            language_code=None if language == NO_INTERPRETER else language,
            municipality_code=self.municipality.data,
            starts_at=self.starts_at(),
            ends_at=self.ends_at(),
            duration_minutes=self.duration_minutes(),
            requester_name=self.name.data,
            requester_contact=self.contact_value(),
            source=RequestSource.RESIDENT,
            place_name=self.place_name.data or "",
            preferred_gender=self.preferred_gender.data or None,
            requester_nationality=self.nationality.data or None,
            need=self.need.data or "",
        )

    # The service's field names → this form's fields, for the rare error only the service sees.
    SERVICE_FIELDS = {
        "municipality_code": "municipality",
        "language_code": "language",
        "ends_at": "time_to",
        "duration_minutes": "duration",
        "requester_name": "name",
        "requester_contact": "contact",
    }
