"""The programme's settings: the one validator and the writes (start a programme, change it).

A :class:`ProgrammeDraft` (as typed on the page, on the command line or by the demo) goes through
:func:`check` — every rule of a setting is here — and :func:`start_programme` or
:func:`save_programme` refuse with those fields or write the row, one :class:`ProgrammeChange`
per setting that changed, an audit event, and flush. They never commit.
"""

import math
import re
import unicodedata
from dataclasses import asdict, dataclass, fields

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from supporters import audit, tenancy
from supporters.extensions import db
from supporters.models.programme import Programme, ProgrammeChange
from supporters.models.user import User
from supporters.payments.zengin import payer_problems
from supporters.programme.settings import DEMO_PAYER, NEUTRAL, SETTING_FIELDS, the_programme
from supporters.reference import shipped
from supporters.reference.start import StartedReference, load_for_prefecture
from supporters.refusals import CONFLICT, NOT_FOUND, Refused, refuse_if
from supporters.textrules import name_problem

NAME_JA_MAX, NAME_EN_MAX, ISSUER_MAX, REFERRAL_MAX, PHONE_MAX = 100, 120, 60, 200, 30
PREFIX_RE = re.compile(r"[A-Z0-9]{1,10}")
PHONE_RE = re.compile(r"\+?[0-9][0-9 ()-]{5,28}[0-9]")
# (field, low, high) of every number a programme sets.
RANGES = {
    "target_supporters": (1, 100_000),
    "target_fiscal_year": (2000, 2100),
    "stipend_default_yen": (0, 1_000_000),
    "stipend_budget_default_yen": (0, 2_000_000_000),
    "travel_radius_km": (1, 300),
    "offer_answer_hours": (1, 168),
}


@dataclass(frozen=True)
class ProgrammeDraft:
    """A programme's settings as typed: ``None`` for a number left blank. The prefecture may be
    a JIS code (10, １０) or a name (群馬県, 群馬, Gunma)."""

    prefecture_code: str
    name_ja: str
    name_en: str
    certificate_prefix: str
    certificate_issuer: str = ""
    target_supporters: int | None = None
    target_fiscal_year: int | None = None
    stipend_default_yen: int | None = None
    stipend_budget_default_yen: int | None = None
    payer_consignor_code: str = ""
    payer_consignor_name: str = ""
    payer_bank_code: str = ""
    payer_bank_name: str = ""
    payer_branch_code: str = ""
    payer_branch_name: str = ""
    payer_account_type: str = "1"
    payer_account_number: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    referral_service: str = ""
    travel_radius_km: float | None = None
    offer_answer_hours: int | None = None


assert tuple(f.name for f in fields(ProgrammeDraft)) == SETTING_FIELDS  # one list of settings


# The settings a new programme takes from its prefecture's name when left blank.
FROM_PREFECTURE = ("name_ja", "name_en", "certificate_prefix", "certificate_issuer")


def draft_for_prefecture(prefecture: str, **typed) -> ProgrammeDraft:
    """A new programme's draft: what was typed, the rest from the prefecture's name and the
    app's defaults (no payer: the transfer file waits for the programme's real bank). For the
    prefecture of the programme already started, the rest is what it holds now."""
    code = shipped.prefecture_code(prefecture) or prefecture
    found = shipped.prefectures().get(code)
    defaults = {key: getattr(NEUTRAL, key) for key in SETTING_FIELDS}
    defaults |= {key: "" for key in DEMO_PAYER} | {"payer_account_type": "1"}
    defaults["prefecture_code"] = code
    existing = the_programme()
    if existing is not None and existing.prefecture_code == code:  # started: keep its values
        defaults = {key: getattr(existing, key) for key in SETTING_FIELDS}
    elif found is not None:
        defaults["name_ja"] = f"{found.name_ja}{NEUTRAL.name_ja}"
        defaults["name_en"] = f"{found.name_en} {NEUTRAL.name_en}"
        defaults["certificate_prefix"] = re.sub(r"[^A-Z]", "", found.name_en.upper())[:6]
        defaults["certificate_issuer"] = f"{found.name_ja}知事"
    given = {key: value for key, value in typed.items() if value not in (None, "")}
    return ProgrammeDraft(**(defaults | given))


def _text(value) -> str:
    return unicodedata.normalize("NFC", str(value or "")).strip()


def _normalised(draft: ProgrammeDraft) -> dict:
    """The draft's values tidied as they would be stored (no rule checked)."""
    values = asdict(draft)
    for key, value in values.items():
        if isinstance(value, str):
            values[key] = _text(value)
    values["prefecture_code"] = shipped.prefecture_code(values["prefecture_code"]) or ""
    prefix = unicodedata.normalize("NFKC", values["certificate_prefix"]).upper()
    values["certificate_prefix"] = prefix.replace(" ", "")
    values["contact_email"] = values["contact_email"].lower()
    values["contact_phone"] = unicodedata.normalize("NFKC", values["contact_phone"])
    return values


def check(draft: ProgrammeDraft) -> tuple[dict, dict[str, object]]:
    """The draft's values as they will be stored, and what is wrong with it, by field."""
    values = _normalised(draft)
    problems: dict[str, object] = {}
    if not values["prefecture_code"]:
        problems["prefecture_code"] = _l("Not a prefecture of Japan.")
    for key, most in (("name_ja", NAME_JA_MAX), ("name_en", NAME_EN_MAX)):
        if not values[key]:
            problems[key] = _l("Enter the programme's name.")
        elif len(values[key]) > most:
            problems[key] = _l("At most %(max)d characters.", max=most)
        elif problem := name_problem(values[key]):
            problems[key] = problem
    if not PREFIX_RE.fullmatch(values["certificate_prefix"]):
        problems["certificate_prefix"] = _l(
            "Use 1 to 10 capital letters or digits, like INCS (certificates: INCS-2026-0001)."
        )
    for key, most in (
        ("certificate_issuer", ISSUER_MAX),
        ("referral_service", REFERRAL_MAX),
    ):
        if len(values[key]) > most:
            problems[key] = _l("At most %(max)d characters.", max=most)
        elif problem := name_problem(values[key]):
            problems[key] = problem
    for key, (low, high) in RANGES.items():
        number = values[key]
        if (
            number is None
            or isinstance(number, bool)
            or (isinstance(number, float) and not math.isfinite(number))
            or not low <= number <= high
        ):
            problems[key] = _l("Enter a number between %(min)s and %(max)s.", min=low, max=high)
    phone = values["contact_phone"]
    if phone and (len(phone) > PHONE_MAX or not PHONE_RE.fullmatch(phone)):
        problems["contact_phone"] = _l("Enter a phone number like 090-1234-5678.")
    if values["contact_email"]:
        try:
            validate_email(values["contact_email"], check_deliverability=False)
        except EmailNotValidError:
            problems["contact_email"] = _l("Enter a valid e-mail address, like name@example.jp.")
    payer, payer_wrong = payer_problems(values)
    problems |= payer_wrong
    values |= payer
    if values["travel_radius_km"] is not None and "travel_radius_km" not in problems:
        values["travel_radius_km"] = float(values["travel_radius_km"])
    return values, problems


@dataclass(frozen=True)
class StartedProgramme:
    """What starting a programme did: the row, whether it was new, the reference data loaded."""

    programme: Programme
    created: bool
    reference: StartedReference | None


def start_programme(
    draft: ProgrammeDraft, by: User | None, *, load_reference: bool = True
) -> StartedProgramme:
    """Start the programme of a prefecture: its settings, its municipalities, the languages and
    the default nationality → language mapping. Run again for the same prefecture it changes
    only what differs; another prefecture than the programme's is refused. The demo, which
    brings its own reference data, passes ``load_reference=False``."""
    values, problems = check(draft)
    existing = the_programme()
    if existing is not None and values["prefecture_code"] not in ("", existing.prefecture_code):
        prefecture = shipped.prefectures()[existing.prefecture_code]
        raise Refused(
            _l(
                "This database already holds the programme of %(prefecture)s; a programme "
                "cannot move to another prefecture.",
                prefecture=prefecture.name_ja,
            ),
            "prefecture_code",
            code=CONFLICT,
        )
    refuse_if(problems)
    reference = load_for_prefecture(values["prefecture_code"]) if load_reference else None
    if existing is not None:
        return StartedProgramme(_write(existing, values, by), False, reference)
    programme = Programme(**values)
    db.session.add(programme)
    db.session.flush()
    tenancy.adopt_unowned(db.session, programme.id)  # what came before is the first's
    _history(programme, {key: ("", values[key]) for key in SETTING_FIELDS}, by)
    audit.record("programme_started", programme, values["prefecture_code"], user=by)
    return StartedProgramme(programme, True, reference)


def add_programme(draft: ProgrammeDraft, by: User | None) -> StartedProgramme:
    """Add another prefecture's programme to an installation that runs one already ([6/6]):
    its settings and its municipalities; nothing of the other programmes becomes its. A
    prefecture can have one programme only."""
    values, problems = check(draft)
    taken = db.session.scalar(
        select(Programme.id)
        .where(Programme.prefecture_code == values["prefecture_code"])
        .execution_options(**{tenancy.ALL_PROGRAMMES: True})
    )
    if taken is not None:
        problems["prefecture_code"] = _l("This prefecture already has a programme.")
    refuse_if(problems)
    if tenancy.first_programme_id(db.session) is None:
        return start_programme(draft, by)  # the first one adopts what came before it
    reference = load_for_prefecture(values["prefecture_code"])
    programme = Programme(**values)
    db.session.add(programme)
    db.session.flush()
    with tenancy.using(programme.id):
        _history(programme, {key: ("", values[key]) for key in SETTING_FIELDS}, by)
        audit.record("programme_started", programme, values["prefecture_code"], user=by)
        db.session.flush()  # stamped with the new programme while it is the context
    return StartedProgramme(programme, True, reference)


def programme_for(prefecture: str) -> Programme | None:
    """The programme of a prefecture (JIS code or name), whichever programme is in context."""
    code = shipped.prefecture_code(prefecture)
    return db.session.scalar(
        select(Programme)
        .where(Programme.prefecture_code == code)
        .execution_options(**{tenancy.ALL_PROGRAMMES: True})
    )


def save_programme(draft: ProgrammeDraft, by: User | None) -> Programme:
    """Change the programme's settings; the prefecture stays what it was started with."""
    programme = the_programme()
    if programme is None:
        raise Refused(_l("No programme has been started yet."), code=NOT_FOUND)
    values, problems = check(draft)
    if values["prefecture_code"] and values["prefecture_code"] != programme.prefecture_code:
        problems["prefecture_code"] = _l("The programme's prefecture cannot be changed.")
    refuse_if(problems)
    return _write(programme, values, by)


def _write(programme: Programme, values: dict, by: User | None) -> Programme:
    changed = {
        key: (getattr(programme, key), values[key])
        for key in SETTING_FIELDS
        if getattr(programme, key) != values[key]
    }
    if not changed:
        return programme
    for key, (_old, new) in changed.items():
        setattr(programme, key, new)
    db.session.flush()
    _history(programme, changed, by)
    audit.record("programme_changed", programme, " ".join(changed), user=by)
    return programme


def _history(programme: Programme, changed: dict, by: User | None) -> None:
    for key, (old, new) in changed.items():
        db.session.add(
            ProgrammeChange(
                programme_id=programme.id,
                field=key,
                old_value=_shown(old),
                new_value=_shown(new),
                changed_by_id=by.id if by is not None else None,
            )
        )
    db.session.flush()


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)[:300]
