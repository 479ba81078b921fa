"""Words for the programme's settings: each field's name, for the form and its history."""

from flask_babel import lazy_gettext as _l

FIELD_LABELS = {
    "prefecture_code": _l("Prefecture"),
    "name_ja": _l("Programme name (Japanese)"),
    "name_en": _l("Programme name (English)"),
    "certificate_prefix": _l("Certificate number prefix"),
    "certificate_issuer": _l("Certificate issued by (as printed)"),
    "target_supporters": _l("Target: certified supporters"),
    "target_fiscal_year": _l("Target: by the end of fiscal year"),
    "stipend_default_yen": _l("Monthly stipend (yen) before any dated rule"),
    "stipend_budget_default_yen": _l("Yearly stipend budget (yen) when none is set"),
    "payer_consignor_code": _l("Consignor code (10 digits, from the bank)"),
    "payer_consignor_name": _l("Payer's name (kana)"),
    "payer_bank_code": _l("Bank code"),
    "payer_bank_name": _l("Bank name (kana)"),
    "payer_branch_code": _l("Branch code"),
    "payer_branch_name": _l("Branch name (kana)"),
    "payer_account_type": _l("Account type"),
    "payer_account_number": _l("Account number"),
    "contact_phone": _l("Phone number shown to residents"),
    "contact_email": _l("E-mail address shown to residents"),
    "referral_service": _l("Outside service proposed when nobody qualifies"),
    "travel_radius_km": _l("Travel radius for in-person help (km)"),
    "offer_answer_hours": _l("Hours a supporter has to answer an offer"),
}


def field_label(code: str):
    """The name of a setting in the viewer's language (the code itself if unknown)."""
    return FIELD_LABELS.get(code, code)
