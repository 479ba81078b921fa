"""The programme's settings form (the settings page and the first-run page): parse only.

Every rule (lengths, ranges, the prefix, the payer's bank) is ``service.check``'s.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FloatField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import Optional

from supporters.formkit import options
from supporters.programme.labels import FIELD_LABELS as L
from supporters.programme.service import (
    FROM_PREFECTURE,
    RANGES,
    ProgrammeDraft,
    draft_for_prefecture,
)
from supporters.programme.settings import SETTING_FIELDS, ProgrammeSettings
from supporters.reference import shipped


def _number(label, **attrs):
    # Optional() only lets a blank field through as None: the service says what it must be.
    return IntegerField(label, validators=[Optional()], render_kw={"required": True, **attrs})


def _text(label, **attrs):
    return StringField(label, render_kw=attrs)


class ProgrammeForm(FlaskForm):
    """Every setting; the settings page leaves out the prefecture (it cannot change)."""

    prefecture_code = SelectField(L["prefecture_code"], validate_choice=False)
    name_ja = _text(L["name_ja"], maxlength=100, required=True)
    name_en = _text(L["name_en"], maxlength=120, required=True)
    certificate_prefix = _text(L["certificate_prefix"], maxlength=10, required=True)
    certificate_issuer = _text(L["certificate_issuer"], maxlength=60)
    target_supporters = _number(L["target_supporters"], min=1)
    target_fiscal_year = _number(L["target_fiscal_year"], min=2000, max=2100)
    stipend_default_yen = _number(L["stipend_default_yen"], min=0)
    stipend_budget_default_yen = _number(L["stipend_budget_default_yen"], min=0)
    payer_consignor_code = _text(L["payer_consignor_code"], maxlength=10)
    payer_consignor_name = _text(L["payer_consignor_name"], maxlength=40)
    payer_bank_code = _text(L["payer_bank_code"], maxlength=4)
    payer_bank_name = _text(L["payer_bank_name"], maxlength=15)
    payer_branch_code = _text(L["payer_branch_code"], maxlength=3)
    payer_branch_name = _text(L["payer_branch_name"], maxlength=15)
    payer_account_type = SelectField(
        L["payer_account_type"],
        choices=options(
            [("1", _l("Ordinary (普通)")), ("2", _l("Current (当座)")), ("9", _l("Other"))]
        ),
        validate_choice=False,
    )
    payer_account_number = _text(L["payer_account_number"], maxlength=7)
    contact_phone = _text(L["contact_phone"], maxlength=30, type="tel")
    contact_email = _text(L["contact_email"], maxlength=254, type="email")
    referral_service = _text(L["referral_service"], maxlength=200)
    travel_radius_km = FloatField(
        L["travel_radius_km"],
        validators=[Optional()],
        render_kw={"required": True, "min": 1, "max": 300, "step": "any"},
    )
    offer_answer_hours = _number(L["offer_answer_hours"], min=1, max=168)
    submit = SubmitField(_l("Save the settings"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prefecture_code.choices = options(
            [("", "")]
            + [
                (p.code, f"{p.code} {p.name_ja} ({p.name_en})")
                for p in shipped.prefectures().values()
            ]
        )

    def fill(self, settings: ProgrammeSettings | ProgrammeDraft) -> None:
        """Show ``settings`` (or a draft's values) in the fields (a GET of the page)."""
        for key in SETTING_FIELDS:
            getattr(self, key).data = getattr(settings, key)

    def draft(self, prefecture_code: str | None = None) -> ProgrammeDraft:
        """The settings as typed (``prefecture_code``: the programme's own, on the settings
        page, where the prefecture is not a field)."""
        typed = {key: getattr(self, key).data for key in SETTING_FIELDS}
        for key, value in typed.items():
            if value is None and key not in RANGES:
                typed[key] = ""
        if prefecture_code is not None:
            typed["prefecture_code"] = prefecture_code
        return ProgrammeDraft(**typed)

    def fill_new(self) -> None:
        """A new programme's form (first run, or the national administrator's "add"): the app's
        defaults, no payer yet, and blank names and prefix, made from the prefecture's name."""
        self.fill(draft_for_prefecture(""))
        for key in FROM_PREFECTURE:
            getattr(self, key).data = ""

    def new_programme_draft(self) -> ProgrammeDraft:
        """The new programme as typed; names and prefix left blank take the prefecture's
        (群馬県母国語サポーター, GUNMA)."""
        draft = self.draft()
        typed = {key: getattr(draft, key) for key in SETTING_FIELDS if key != "prefecture_code"}
        return draft_for_prefecture(draft.prefecture_code, **typed)
