"""Forms of the supporter registry: they only parse what was typed into the service's drafts.

Every rule (required fields, lengths, formats, codes that exist, the case limit) is
``registry/operations.py``'s, so the form, the API and the CSV import say the same thing. The
forms keep browser hints (``maxlength``, ``required``) and the messages of a box that cannot be
read at all (a date, a number).
"""

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
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
from wtforms.fields import SelectChoice
from wtforms.validators import Length, Optional

from supporters.formkit import MultiCheckboxField, QuickSelectField, options
from supporters.i18n import country_choices, current_locale, localized_name
from supporters.models import GENDERS, JAPANESE_LEVELS, LanguageLevel
from supporters.reference_data import reference_data
from supporters.registry import operations
from supporters.registry.labels import (
    GENDER_LABELS,
    JAPANESE_LEVEL_LABELS,
    MODE_LABELS,
    STATUS_LABELS,
)

_DASHES = re.compile(r"[\u2010-\u2015\u2212\u30fc\uff70]")

# A date box: blank is ``None`` (the service asks for it), unreadable input is explained here.
DATE = {"validators": [Optional()], "invalid_value_message": _l("Enter a valid date.")}
# The service's field names that the supporter form spells differently.
PROFILE_FIELDS = {
    "home_municipality_code": "home_municipality",
    "served_municipality_codes": "served_municipalities",
    "languages": "native_languages",
}


def _hint(length: int, required: bool = True) -> dict:
    """Browser hints only: the service checks the same limits."""
    return {"render_kw": {"maxlength": length, **({"required": True} if required else {})}}


def municipality_choices() -> list[tuple[str, str]]:
    """All municipalities as (code, localised name), in JIS code order."""
    data = reference_data()
    pairs = data.derive(
        ("municipality_choices", current_locale()),
        lambda: [(m.code, localized_name(m)) for m in data.municipalities.values()],
    )
    return list(pairs)


def area_municipality_choices() -> list[tuple[str, str]]:
    """The programme's own municipalities (its prefecture's: the only ones it takes requests
    in, ``intake.in_programme_area``) as (code, localised name); every municipality for a
    programme without a prefecture. For the forms and filters of requests and supporters."""
    from supporters.programme.settings import current as programme_settings

    area = programme_settings().prefecture_code
    if not area:
        return municipality_choices()
    data = reference_data()
    pairs = data.derive(
        ("municipality_choices", current_locale(), area),
        lambda: [(code, name) for code, name in municipality_choices() if code.startswith(area)],
    )
    return list(pairs)


def language_choices() -> list[tuple[str, str]]:
    """All languages as (code, "localised name (endonym)"), in the order of the UI language."""
    data = reference_data()

    def build() -> list[tuple[str, str]]:
        rows = data.languages.values()
        pairs = [
            (lang.code, _with_endonym(localized_name(lang), lang.name_native)) for lang in rows
        ]
        return sorted(pairs, key=lambda pair: pair[1])

    return list(data.derive(("language_choices", current_locale()), build))


def _with_endonym(name: str, native: str) -> str:
    """A language as "Vietnamese (Tiếng Việt)", or "Tiếng Việt" alone when that is its name."""
    return name if name == native else f"{name} ({native})"


def active_language_choices() -> list[tuple[str, str]]:
    """The languages that may be chosen for a supporter (retired ones left out)."""
    data = reference_data()
    return [pair for pair in language_choices() if data.languages[pair[0]].retired_on is None]


class LanguagesField(SelectMultipleField):
    """The active languages, plus any retired one the supporter already has (kept as it is)."""

    def iter_choices(self):
        """The choices, with selected codes that are not among them appended."""
        offered = {choice.value for choice in self.choices or ()}
        data = reference_data()
        kept = [
            SelectChoice(code, f"{localized_name(data.languages[code])} ({_l('Retired')})")
            for code in self.data or ()
            if code not in offered and code in data.languages
        ]
        self.choices = [*(self.choices or ()), *kept]
        return super().iter_choices()


def normalise_text(value: str | None) -> str:
    """NFC-normalise and trim, so the same name typed twice is stored the same way."""
    return unicodedata.normalize("NFC", value or "").strip()


def normalise_phone(value: str | None) -> str:
    """Full-width digits and Japanese dashes (０９０ー１２３４) become ASCII (090-1234)."""
    return _DASHES.sub("-", unicodedata.normalize("NFKC", value or "")).strip()


class SupporterForm(FlaskForm):
    """Register or edit a supporter's profile (status changes have forms of their own)."""

    display_name = StringField(
        _l("Display name"), filters=[normalise_text], **_hint(operations.NAME_LENGTH)
    )
    email = EmailField(
        _l("E-mail"),
        filters=[lambda v: normalise_text(v).lower()],
        **_hint(operations.EMAIL_LENGTH),
    )
    phone = StringField(_l("Phone number"), filters=[normalise_phone], **_hint(30))
    home_municipality = SelectField(_l("Home municipality"), validate_choice=False)
    served_municipalities = SelectMultipleField(_l("Municipalities served"), validate_choice=False)
    native_languages = LanguagesField(_l("Native languages"), validate_choice=False)
    fluent_languages = LanguagesField(_l("Fluent languages"), validate_choice=False)
    conversational_languages = LanguagesField(_l("Conversational languages"), validate_choice=False)
    japanese_level = SelectField(
        _l("Japanese level"),
        choices=options((level, JAPANESE_LEVEL_LABELS[level]) for level in JAPANESE_LEVELS),
        validate_choice=False,
    )
    origins = SelectMultipleField(_l("Countries and regions of origin"), validate_choice=False)
    modes = MultiCheckboxField(
        _l("Ways of helping"),
        choices=options((mode.value, label) for mode, label in MODE_LABELS.items()),
        validate_choice=False,
    )
    gender = SelectField(
        _l("Gender (optional)"),
        choices=options([("", _l("Not stated"))] + [(g, GENDER_LABELS[g]) for g in GENDERS]),
        validate_choice=False,
    )
    monthly_case_cap = IntegerField(
        _l("Monthly case limit"),
        default=4,
        validators=[Optional()],
        invalid_value_message=_l("Enter a number of cases."),
        render_kw={"min": operations.CASE_CAP[0], "max": operations.CASE_CAP[1]},
    )
    training_cohort = StringField(
        _l("Training cohort"),
        filters=[normalise_text],
        **_hint(operations.COHORT_LENGTH, required=False),
    )
    notes = TextAreaField(_l("Notes"), **_hint(operations.NOTES_LENGTH, required=False))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        municipalities = area_municipality_choices()
        languages = active_language_choices()
        self.home_municipality.choices = options([("", _l("Choose…")), *municipalities])
        self.served_municipalities.choices = options(municipalities)
        for field in (self.native_languages, self.fluent_languages, self.conversational_languages):
            field.choices = options(languages)
        self.origins.choices = options(country_choices())

    def language_levels(self) -> list[tuple[str, LanguageLevel]]:
        """The chosen languages with their levels, strongest first."""
        return (
            [(code, LanguageLevel.NATIVE) for code in self.native_languages.data]
            + [(code, LanguageLevel.FLUENT) for code in self.fluent_languages.data]
            + [(code, LanguageLevel.CONVERSATIONAL) for code in self.conversational_languages.data]
        )

    def profile(self) -> operations.SupporterProfile:
        """What was entered, as the service's draft."""
        return operations.SupporterProfile(
            display_name=self.display_name.data or "",
            email=self.email.data or "",
            phone=self.phone.data or "",
            home_municipality_code=self.home_municipality.data or "",
            served_municipality_codes=list(self.served_municipalities.data or []),
            languages=self.language_levels(),
            japanese_level=self.japanese_level.data or "",
            origins=list(self.origins.data or []),
            modes=list(self.modes.data or []),
            gender=self.gender.data or None,
            monthly_case_cap=self.monthly_case_cap.data,
            training_cohort=self.training_cohort.data or "",
            notes=self.notes.data or "",
        )


class CertifyForm(FlaskForm):
    """Certify an applicant: a certificate number (suggested) and the date."""

    certificate_number = StringField(
        _l("Certificate number"),
        filters=[lambda v: unicodedata.normalize("NFKC", v or "").strip()],
        **_hint(operations.CERTIFICATE_LENGTH),
    )
    effective_on = DateField(_l("Certification date"), **DATE)
    # Administrators only, when the training hours are not complete (see operations.certify).
    override_reason = TextAreaField(
        _l("Reason to certify without the full training hours"),
        **_hint(operations.REASON_LENGTH, required=False),
    )
    submit = SubmitField(_l("Certify"))


class StatusChangeForm(FlaskForm):
    """Suspend, reinstate or retire: the date it takes effect and why."""

    effective_on = DateField(_l("Effective date"), **DATE)
    reason = TextAreaField(_l("Reason"), **_hint(operations.REASON_LENGTH))
    submit = SubmitField(_l("Confirm"))


class SupporterFilterForm(FlaskForm):
    """Filters of the supporter list (GET, so no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name"), validators=[Optional(), Length(max=100)])
    language = QuickSelectField(_l("Language"), validators=[Optional()])
    municipality = QuickSelectField(_l("Municipality"), validators=[Optional()])
    status = QuickSelectField(
        _l("Status"),
        choices=options([("", _l("All")), *((s.value, lbl) for s, lbl in STATUS_LABELS.items())]),
        validators=[Optional()],
    )
    mode = QuickSelectField(
        _l("Way of helping"),
        choices=options([("", _l("All"))] + [(m.value, label) for m, label in MODE_LABELS.items()]),
        validators=[Optional()],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = options([("", _l("All")), *language_choices()])
        self.municipality.choices = options([("", _l("All")), *area_municipality_choices()])
