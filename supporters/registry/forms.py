"""Forms of the supporter registry, each field validated with a message of its own."""

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from supporters.extensions import db
from supporters.formkit import MultiCheckboxField, options
from supporters.i18n import country_choices, localized_name
from supporters.models import GENDERS, JAPANESE_LEVELS, Language, LanguageLevel, Municipality
from supporters.registry.labels import (
    GENDER_LABELS,
    JAPANESE_LEVEL_LABELS,
    MODE_LABELS,
    STATUS_LABELS,
)
from supporters.textrules import name_problem

_DASHES = re.compile(r"[\u2010-\u2015\u2212\u30fc\uff70]")
_PHONE = re.compile(r"^\+?[0-9][0-9 \-()]{8,18}[0-9]$")


def municipality_choices() -> list[tuple[str, str]]:
    """All municipalities as (code, localised name), in JIS code order."""
    rows = db.session.scalars(select(Municipality).order_by(Municipality.code))
    return [(m.code, localized_name(m)) for m in rows]


def language_choices() -> list[tuple[str, str]]:
    """All languages as (code, "localised name (endonym)"), in the order of the UI language."""
    rows = db.session.scalars(select(Language))
    pairs = [(lang.code, f"{localized_name(lang)} ({lang.name_native})") for lang in rows]
    return sorted(pairs, key=lambda pair: pair[1])


def normalise_text(value: str | None) -> str:
    """NFC-normalise and trim, so the same name typed twice is stored the same way."""
    return unicodedata.normalize("NFC", value or "").strip()


def normalise_phone(value: str | None) -> str:
    """Full-width digits and Japanese dashes (０９０ー１２３４) become ASCII (090-1234)."""
    return _DASHES.sub("-", unicodedata.normalize("NFKC", value or "")).strip()


class SupporterForm(FlaskForm):
    """Register or edit a supporter's profile (status changes have forms of their own)."""

    display_name = StringField(
        _l("Display name"),
        validators=[DataRequired(_l("Enter the supporter's name.")), Length(max=100)],
        filters=[normalise_text],
    )
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(_l("Enter an e-mail address.")),
            Email(
                _l("Enter a valid e-mail address, like name@example.jp."),
                check_deliverability=False,
            ),
            Length(max=254),
        ],
        filters=[lambda v: normalise_text(v).lower()],
    )
    phone = StringField(
        _l("Phone number"),
        validators=[DataRequired(_l("Enter a phone number.")), Length(max=30)],
        filters=[normalise_phone],
    )
    home_municipality = SelectField(
        _l("Home municipality"), validators=[DataRequired(_l("Choose a municipality."))]
    )
    served_municipalities = SelectMultipleField(
        _l("Municipalities served"), validators=[Optional()]
    )
    native_languages = SelectMultipleField(_l("Native languages"), validators=[Optional()])
    fluent_languages = SelectMultipleField(_l("Fluent languages"), validators=[Optional()])
    conversational_languages = SelectMultipleField(
        _l("Conversational languages"), validators=[Optional()]
    )
    japanese_level = SelectField(
        _l("Japanese level"),
        choices=options((level, JAPANESE_LEVEL_LABELS[level]) for level in JAPANESE_LEVELS),
        validators=[DataRequired()],
    )
    origins = SelectMultipleField(_l("Countries and regions of origin"), validators=[Optional()])
    modes = MultiCheckboxField(
        _l("Ways of helping"),
        choices=options((mode.value, label) for mode, label in MODE_LABELS.items()),
        validators=[DataRequired(_l("Choose at least one way of helping."))],
    )
    gender = SelectField(
        _l("Gender (optional)"),
        choices=options([("", _l("Not stated"))] + [(g, GENDER_LABELS[g]) for g in GENDERS]),
        validators=[Optional()],
    )
    monthly_case_cap = IntegerField(
        _l("Monthly case limit"),
        default=4,
        validators=[
            InputRequired(_l("Enter a number of cases.")),
            NumberRange(1, 60, _l("Enter a number between %(min)s and %(max)s.")),
        ],
    )
    training_cohort = StringField(
        _l("Training cohort"), validators=[Optional(), Length(max=30)], filters=[normalise_text]
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        municipalities = municipality_choices()
        languages = language_choices()
        self.home_municipality.choices = options([("", _l("Choose…")), *municipalities])
        self.served_municipalities.choices = options(municipalities)
        for field in (self.native_languages, self.fluent_languages, self.conversational_languages):
            field.choices = options(languages)
        self.origins.choices = options(country_choices())

    def validate_display_name(self, field):
        if problem := name_problem(field.data):
            raise ValidationError(problem)

    def validate_phone(self, field):
        if not _PHONE.match(field.data or ""):
            raise ValidationError(_l("Enter a phone number in digits, like 090-1234-5678."))

    def validate(self, extra_validators=None) -> bool:
        """Field checks, then the languages across the three level fields."""
        valid = super().validate(extra_validators)
        chosen = [code for code, _level in self.language_levels()]
        message = None
        if not chosen:
            message = _l("Choose at least one language the supporter speaks.")
        elif len(chosen) != len(set(chosen)):
            message = _l("Choose only one level for each language.")
        if message:
            self.native_languages.errors = [*self.native_languages.errors, message]
            return False
        return valid

    def language_levels(self) -> list[tuple[str, LanguageLevel]]:
        """The chosen languages with their levels, strongest first."""
        return (
            [(code, LanguageLevel.NATIVE) for code in self.native_languages.data]
            + [(code, LanguageLevel.FLUENT) for code in self.fluent_languages.data]
            + [(code, LanguageLevel.CONVERSATIONAL) for code in self.conversational_languages.data]
        )


class CertifyForm(FlaskForm):
    """Certify an applicant: a certificate number (suggested) and the date."""

    certificate_number = StringField(
        _l("Certificate number"),
        validators=[DataRequired(_l("Enter a certificate number.")), Length(max=30)],
        filters=[lambda v: unicodedata.normalize("NFKC", v or "").strip()],
    )
    effective_on = DateField(
        _l("Certification date"), validators=[InputRequired(_l("Enter a valid date."))]
    )
    # Administrators only, when the training hours are not complete (see operations.certify).
    override_reason = TextAreaField(
        _l("Reason to certify without the full training hours"),
        validators=[Optional(), Length(max=1000)],
    )
    submit = SubmitField(_l("Certify"))


class StatusChangeForm(FlaskForm):
    """Suspend, reinstate or retire: the date it takes effect and why."""

    effective_on = DateField(
        _l("Effective date"), validators=[InputRequired(_l("Enter a valid date."))]
    )
    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(_l("Give a reason.")), Length(max=1000)]
    )
    submit = SubmitField(_l("Confirm"))


class SupporterFilterForm(FlaskForm):
    """Filters of the supporter list (GET, so no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name"), validators=[Optional(), Length(max=100)])
    language = SelectField(_l("Language"), validators=[Optional()])
    municipality = SelectField(_l("Municipality"), validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=options([("", _l("All")), *((s.value, lbl) for s, lbl in STATUS_LABELS.items())]),
        validators=[Optional()],
    )
    mode = SelectField(
        _l("Way of helping"),
        choices=options([("", _l("All"))] + [(m.value, label) for m, label in MODE_LABELS.items()]),
        validators=[Optional()],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = options([("", _l("All")), *language_choices()])
        self.municipality.choices = options([("", _l("All")), *municipality_choices()])
