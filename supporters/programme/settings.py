"""The programme's settings as every area reads them: :func:`current`, a plain frozen record.

Read once per process and kept while the reference data's token is unchanged
(``supporters/reference_data.py``: every write of the ``Programme`` row writes a new token, like a
municipality or a language), so a page that names the programme in its footer pays no statement.
A database without a programme yet reads :data:`NEUTRAL`: neutral words, no prefecture.
"""

from dataclasses import dataclass, fields, replace

from sqlalchemy import select

from supporters import tenancy
from supporters.extensions import db
from supporters.models.programme import Programme
from supporters.reference_data import reference_data

# The payer of the Zengin file that no bank accepts: what a database without a programme (and
# the demo) transfers with; the payments page warns while it is in use (payments/zengin.py).
DEMO_PAYER = {
    "payer_consignor_code": "9999999999",
    "payer_consignor_name": "デモ ヨリソイ",
    "payer_bank_code": "9999",
    "payer_bank_name": "デモギンコウ",
    "payer_branch_code": "999",
    "payer_branch_name": "デモシテン",
    "payer_account_type": "1",
    "payer_account_number": "0000000",
}
PAYER_FIELDS = tuple(DEMO_PAYER)


@dataclass(frozen=True, slots=True)
class ProgrammeSettings:
    """The programme's settings (``exists`` False: none started yet, the neutral defaults)."""

    exists: bool
    prefecture_code: str
    name_ja: str
    name_en: str
    certificate_prefix: str
    certificate_issuer: str
    target_supporters: int
    target_fiscal_year: int
    stipend_default_yen: int
    stipend_budget_default_yen: int
    payer_consignor_code: str
    payer_consignor_name: str
    payer_bank_code: str
    payer_bank_name: str
    payer_branch_code: str
    payer_branch_name: str
    payer_account_type: str
    payer_account_number: str
    contact_phone: str
    contact_email: str
    referral_service: str
    travel_radius_km: float
    offer_answer_hours: int

    def name(self, locale: str) -> str:
        """The programme's name in a UI locale (Japanese for ``ja`` and Easy Japanese)."""
        if locale.startswith("ja"):
            return self.name_ja
        return self.name_en or self.name_ja

    @property
    def payer(self) -> dict[str, str]:
        """The payer fields (``payer_*``) for the Zengin file."""
        return {key: getattr(self, key) for key in PAYER_FIELDS}

    def prefecture(self):
        """The shipped prefecture (``reference.shipped.Prefecture``), or None."""
        from supporters.reference import shipped

        return shipped.prefectures().get(self.prefecture_code)


# Every setting, in the order of the settings page (``exists`` is not one).
SETTING_FIELDS = tuple(f.name for f in fields(ProgrammeSettings) if f.name != "exists")

NEUTRAL = ProgrammeSettings(
    exists=False,
    prefecture_code="",
    name_ja="母国語サポーター",
    name_en="Native Language Supporters",
    certificate_prefix="NLS",
    certificate_issuer="",
    target_supporters=150,
    target_fiscal_year=2029,
    stipend_default_yen=2000,
    stipend_budget_default_yen=3_600_000,  # 150 supporters × 2,000 yen × 12 months
    **DEMO_PAYER,
    contact_phone="",
    contact_email="",
    referral_service="",
    travel_radius_km=30.0,
    offer_answer_hours=24,
)


def settings_of(row: Programme | None) -> ProgrammeSettings:
    """A row as settings (None: :data:`NEUTRAL`)."""
    if row is None:
        return NEUTRAL
    return replace(NEUTRAL, exists=True, **{key: getattr(row, key) for key in SETTING_FIELDS})


def the_programme() -> Programme | None:
    """The programme in context (``tenancy``), else the installation's first; for the service
    and the settings page."""
    wanted = tenancy.current_programme_id()
    query = select(Programme).order_by(Programme.id).limit(1)
    if wanted is not None:
        query = select(Programme).where(Programme.id == wanted)
    return db.session.scalar(query)


def current() -> ProgrammeSettings:
    """The programme's settings now: this process's copy while the reference token holds."""
    key = ("programme", tenancy.current_programme_id())
    return reference_data().derive(key, lambda: settings_of(the_programme()))
