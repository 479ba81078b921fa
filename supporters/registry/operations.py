"""Writes to the supporter registry, and the registry's rules: the only place they are written.

Each write takes a draft (:class:`SupporterProfile`, :class:`Certification`,
:class:`StatusChange`), checks it, populates, flushes, audits and returns — or raises
:class:`~supporters.refusals.Refused` with every problem at once. The registry form, the API and
the CSV import only parse into a draft; ``profile_problems`` and ``certification_problems`` let
the import's preview ask the same rules without writing.

None of these commit: the request commits once when the view succeeds (see ``create_app``),
and a CLI or test commits itself.
"""

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from babel import Locale
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from supporters.access import can_certify_short_of_hours
from supporters.audit import record
from supporters.clock import FIRST_YEAR, LAST_YEAR, in_window
from supporters.credentials import email_change
from supporters.extensions import db
from supporters.models import (
    GENDERS,
    JAPANESE_LEVELS,
    Language,
    LanguageLevel,
    Mode,
    Municipality,
    Supporter,
    SupporterLanguage,
    SupporterOrigin,
    SupporterStatus,
    SupporterStatusChange,
    User,
)
from supporters.refusals import CONFLICT, Refused, refuse_if
from supporters.registry.labels import STATUS_LABELS, short_of_hours_reason
from supporters.tenancy import across_programmes
from supporters.textrules import name_problem

# The limits of the registry's fields (forms show them as ``maxlength`` hints only).
NAME_LENGTH = 100
EMAIL_LENGTH = 254
COHORT_LENGTH = 30
NOTES_LENGTH = 4000
CERTIFICATE_LENGTH = 30
REASON_LENGTH = 1000
CASE_CAP = (1, 60)
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 \-()]{8,18}[0-9]$")


@dataclass
class SupporterProfile:
    """Everything a coordinator enters about a supporter, independent of any form library."""

    display_name: str
    email: str
    phone: str
    home_municipality_code: str
    served_municipality_codes: list[str]
    languages: list[tuple[str, LanguageLevel]]
    japanese_level: str
    origins: list[str]
    modes: list[str]
    gender: str | None
    monthly_case_cap: int | None
    training_cohort: str = ""
    notes: str = ""


@dataclass
class Certification:
    """A certification as entered: the number, the date and (administrators) why hours lack."""

    certificate_number: str
    effective_on: date | None
    override_reason: str = ""


@dataclass
class StatusChange:
    """A suspension, reinstatement, retirement or re-activation: when, and why."""

    effective_on: date | None
    reason: str


# Which lifecycle moves are allowed, from → to.
TRANSITIONS = {
    SupporterStatus.APPLICANT: {SupporterStatus.CERTIFIED, SupporterStatus.RETIRED},
    SupporterStatus.CERTIFIED: {SupporterStatus.SUSPENDED, SupporterStatus.RETIRED},
    SupporterStatus.SUSPENDED: {SupporterStatus.CERTIFIED, SupporterStatus.RETIRED},
    # Re-activation (see ``reactivate``): only for someone who was certified before.
    SupporterStatus.RETIRED: {SupporterStatus.CERTIFIED},
}


# --- The rules ------------------------------------------------------------------------------------


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166 two-letter codes of countries and regions (what ``origins`` may hold)."""
    return frozenset(c for c in Locale.parse("en").territories if len(c) == 2 and c.isalpha())


def profile_problems(profile: SupporterProfile, supporter: Supporter | None = None) -> dict:
    """Every rule of a supporter's profile, as {field: message}; empty when it is fine.

    ``supporter`` is the one being edited (None for a new one), so their own e-mail is no clash.
    Nothing is written: the import's preview asks this for each row.
    """
    problems: dict[str, object] = {}
    with db.session.no_autoflush:
        _person_problems(profile, supporter, problems)
        _place_problems(profile, problems)
        _language_problems(profile, supporter, problems)
    _help_problems(profile, problems)
    return problems


def _person_problems(profile: SupporterProfile, supporter, problems: dict) -> None:
    name = profile.display_name or ""
    if not name.strip():
        problems["display_name"] = _l("Enter the supporter's name.")
    elif len(name) > NAME_LENGTH:
        problems["display_name"] = _l("Give the name (at most 100 characters).")
    elif problem := name_problem(name):
        problems["display_name"] = problem
    problems.update(contact_problems(profile.email, profile.phone, supporter))
    if profile.gender and profile.gender not in GENDERS:
        problems["gender"] = _l(
            "Give the gender as %(values)s or leave it empty.", values="/".join(GENDERS)
        )
    unknown = _unique(code for code in profile.origins or [] if code not in country_codes())
    if unknown:
        problems["origins"] = _l("Unknown country codes: %(codes)s.", codes=", ".join(unknown))


def contact_problems(email: str | None, phone: str | None, supporter: Supporter | None) -> dict:
    """What is wrong with a supporter's e-mail address and phone number (the one rule, also for
    the supporter's own page, ``portal/contact.py``)."""
    problems = {}
    email = email or ""
    if not email.strip():
        problems["email"] = _l("Enter an e-mail address.")
    elif len(email) > EMAIL_LENGTH:
        problems["email"] = _l("The e-mail address is too long.")
    elif not _is_email(email):
        problems["email"] = _l("Enter a valid e-mail address, like name@example.jp.")
    elif _used_by_another(func.lower(Supporter.email) == email.lower(), supporter):
        problems["email"] = _l("Another supporter already uses this e-mail address.")
    elif supporter is not None and _account_uses(email, supporter):
        # The supporter's account signs in with this address (email_change.follow_registry).
        problems["email"] = _l("Another account already uses this e-mail address.")
    phone = phone or ""
    if not phone.strip():
        problems["phone"] = _l("Enter a phone number.")
    elif not PHONE_PATTERN.match(phone):
        problems["phone"] = _l("Enter a phone number in digits, like 090-1234-5678.")
    return problems


def update_contact(supporter: Supporter, email: str, phone: str, by: User | None) -> Supporter:
    """Change only a supporter's e-mail address and phone number (checked, audited)."""
    refuse_if(contact_problems(email, phone, supporter))
    changed = [
        name
        for name, value in (("email", email), ("phone", phone))
        if getattr(supporter, name) != value
    ]
    supporter.email, supporter.phone = email, phone
    db.session.flush()
    record("update_supporter", supporter, detail="contact: " + ", ".join(changed), user=by)
    return supporter


def _account_uses(email: str, supporter: Supporter) -> bool:
    """Whether an account other than ``supporter``'s own signs in with ``email``."""
    stmt = select(User.id).where(func.lower(User.email) == email.strip().lower())
    if supporter.id is not None:
        stmt = stmt.where(or_(User.supporter_id.is_(None), User.supporter_id != supporter.id))
    return db.session.scalar(across_programmes(stmt.limit(1))) is not None


def _is_email(text: str) -> bool:
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _used_by_another(condition, supporter: Supporter | None) -> bool:
    """Whether a supporter other than ``supporter`` (None: anyone) matches ``condition``."""
    stmt = select(Supporter.id).where(condition)
    if supporter is not None and supporter.id is not None:
        stmt = stmt.where(Supporter.id != supporter.id)
    return db.session.scalar(across_programmes(stmt.limit(1))) is not None


def _place_problems(profile: SupporterProfile, problems: dict) -> None:
    home = profile.home_municipality_code or ""
    served = list(profile.served_municipality_codes or [])
    known = set(
        db.session.scalars(select(Municipality.code).where(Municipality.code.in_({home, *served})))
    )
    if not home:
        problems["home_municipality_code"] = _l("Choose a municipality.")
    elif home not in known:
        problems["home_municipality_code"] = _l(
            "Unknown municipality codes: %(codes)s.", codes=home
        )
    unknown = _unique(code for code in served if code not in known)
    if unknown:
        problems["served_municipality_codes"] = _l(
            "Unknown municipality codes: %(codes)s.", codes=", ".join(unknown)
        )


def _language_problems(profile: SupporterProfile, supporter, problems: dict) -> None:
    languages = list(profile.languages or [])
    codes = [code for code, _level in languages]
    found = db.session.execute(
        select(Language.code, Language.retired_on).where(Language.code.in_(set(codes)))
    ).all()
    known = {code for code, _retired in found}
    unknown = _unique(code for code in codes if code not in known)
    # A retired language stays on a supporter who has it, but nobody new gets it.
    held = {entry.language_code for entry in supporter.languages} if supporter else set()
    retired = sorted(code for code, on in found if on is not None and code not in held)
    levels = {level.value for level in LanguageLevel}
    if not languages:
        problems["languages"] = _l("Choose at least one language the supporter speaks.")
    elif unknown:
        problems["languages"] = _l("Unknown language: %(codes)s", codes=", ".join(unknown))
    elif retired:
        problems["languages"] = _l(
            "No longer offered (retired): %(codes)s", codes=", ".join(retired)
        )
    elif any(str(level) not in levels for _code, level in languages):
        problems["languages"] = _l(
            "Give each language a level: %(levels)s.", levels=", ".join(sorted(levels))
        )
    elif len(codes) != len(set(codes)):
        problems["languages"] = _l("Choose only one level for each language.")
    if profile.japanese_level not in JAPANESE_LEVELS:
        problems["japanese_level"] = _l(
            "Give the Japanese level: %(levels)s.", levels=", ".join(JAPANESE_LEVELS)
        )


def _help_problems(profile: SupporterProfile, problems: dict) -> None:
    modes = list(profile.modes or [])
    valid = [mode.value for mode in Mode]
    if not modes:
        problems["modes"] = _l("Choose at least one way of helping.")
    elif any(mode not in valid for mode in modes):
        problems["modes"] = _l("Give the ways of helping: %(modes)s.", modes=";".join(valid))
    cap = profile.monthly_case_cap
    if not isinstance(cap, int) or isinstance(cap, bool) or not CASE_CAP[0] <= cap <= CASE_CAP[1]:
        problems["monthly_case_cap"] = _l("Give a monthly case limit between 1 and 60.")
    if len(profile.training_cohort or "") > COHORT_LENGTH:
        problems["training_cohort"] = _l("The training cohort is longer than 30 characters.")
    if len(profile.notes or "") > NOTES_LENGTH:
        problems["notes"] = _l("The notes are longer than 4,000 characters.")


def _unique(codes) -> list[str]:
    return list(dict.fromkeys(codes))


def check_profile(profile: SupporterProfile, supporter: Supporter | None = None) -> None:
    """Refuse ``profile`` with every problem at once (see :func:`profile_problems`)."""
    refuse_if(profile_problems(profile, supporter))


def date_problem(on: date | None, not_before: date | None = None, after_what=None):
    """The message for a date that is missing, outside the app's years or too early; or None."""
    if on is None:
        return _l("Enter a valid date.")
    if not in_window(on):
        return _l("Give a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)
    if not_before is not None and on < not_before:
        return after_what or _l("The date cannot be before the application date.")
    return None


def certification_problems(draft: Certification, supporter: Supporter | None = None) -> dict:
    """The rules of a certification's number, date and reason, as {field: message}.

    The state rules (only applicants, training hours) are :func:`certify`'s; nothing is written.
    """
    problems: dict[str, object] = {}
    number = (draft.certificate_number or "").strip()
    if not number:
        problems["certificate_number"] = _l("Enter a certificate number.")
    elif len(number) > CERTIFICATE_LENGTH:
        problems["certificate_number"] = _l("At most %(max)d characters.", max=CERTIFICATE_LENGTH)
    elif _used_by_another(Supporter.certificate_number == number, supporter):
        problems["certificate_number"] = _l("This certificate number is already in use.")
    applied_on = supporter.applied_on if supporter is not None else None
    if problem := date_problem(draft.effective_on, applied_on):
        problems["effective_on"] = problem
    if len(draft.override_reason or "") > REASON_LENGTH:
        problems["override_reason"] = _l("At most %(max)d characters.", max=REASON_LENGTH)
    return problems


def status_change_problems(draft: StatusChange, supporter: Supporter) -> dict:
    """The rules of a status change's date and reason, as {field: message}."""
    problems: dict[str, object] = {}
    reason = (draft.reason or "").strip()
    if not reason:
        problems["reason"] = _l("Give a reason.")
    elif len(reason) > REASON_LENGTH:
        problems["reason"] = _l("At most %(max)d characters.", max=REASON_LENGTH)
    if problem := date_problem(draft.effective_on, supporter.applied_on):
        problems["effective_on"] = problem
    return problems


# --- The writes -----------------------------------------------------------------------------------


def _copy_profile(supporter: Supporter, profile: SupporterProfile) -> None:
    supporter.display_name = profile.display_name
    supporter.email = profile.email
    supporter.phone = profile.phone
    supporter.home_municipality_code = profile.home_municipality_code
    supporter.japanese_level = profile.japanese_level
    supporter.offers_in_person = Mode.IN_PERSON.value in profile.modes
    supporter.offers_phone = Mode.PHONE.value in profile.modes
    supporter.offers_video = Mode.VIDEO.value in profile.modes
    supporter.gender = profile.gender or None
    supporter.monthly_case_cap = profile.monthly_case_cap
    supporter.training_cohort = profile.training_cohort
    supporter.notes = profile.notes

    # A supporter always serves the municipality they live in.
    codes = sorted({profile.home_municipality_code, *profile.served_municipality_codes})
    supporter.served_municipalities = list(
        db.session.scalars(select(Municipality).where(Municipality.code.in_(codes)))
    )
    wanted = {
        code: (LanguageLevel(level), rank) for rank, (code, level) in enumerate(profile.languages)
    }
    supporter.languages = [entry for entry in supporter.languages if entry.language_code in wanted]
    existing = {entry.language_code: entry for entry in supporter.languages}
    for code, (level, rank) in wanted.items():
        entry = existing.get(code)
        if entry is None:
            supporter.languages.append(
                SupporterLanguage(language_code=code, level=level, rank=rank)
            )
        else:
            entry.level, entry.rank = level, rank
    origins = sorted(set(profile.origins))
    supporter.origins = [o for o in supporter.origins if o.country_code in origins]
    have = {o.country_code for o in supporter.origins}
    supporter.origins.extend(SupporterOrigin(country_code=c) for c in origins if c not in have)


def register_supporter(profile: SupporterProfile, applied_on: date, by: User | None) -> Supporter:
    """Register a new supporter as an applicant."""
    problems = profile_problems(profile)
    if problem := date_problem(applied_on):
        problems["applied_on"] = problem
    refuse_if(problems)
    supporter = Supporter(status=SupporterStatus.APPLICANT, applied_on=applied_on)
    _copy_profile(supporter, profile)
    db.session.add(supporter)
    supporter.status_changes.append(
        SupporterStatusChange(
            from_status=None,
            to_status=SupporterStatus.APPLICANT,
            effective_on=applied_on,
            reason="registered",
            changed_by_id=by.id if by else None,
        )
    )
    db.session.flush()
    record("register_supporter", supporter, user=by)
    return supporter


def update_supporter(supporter: Supporter, profile: SupporterProfile, by: User | None) -> Supporter:
    """Change a supporter's profile (not their status)."""
    check_profile(profile, supporter)
    former_email = supporter.email
    with db.session.no_autoflush:
        _copy_profile(supporter, profile)
    db.session.flush()
    record("update_supporter", supporter, user=by)
    email_change.follow_registry(supporter, former_email, by)  # the account signs in with it
    return supporter


def next_certificate_number(prefix: str, year: int) -> str:
    """The next free certificate number of a year, e.g. ``INCS-2026-0105``."""
    stem = f"{prefix}-{year}-"
    numbers = db.session.scalars(
        select(Supporter.certificate_number).where(Supporter.certificate_number.like(stem + "%"))
    )
    used = [int(n[len(stem) :]) for n in numbers if n and n[len(stem) :].isdigit()]
    return f"{stem}{(max(used, default=0) + 1):04d}"


def _allow(supporter: Supporter, to: SupporterStatus) -> None:
    if to not in TRANSITIONS[supporter.status]:
        raise Refused(
            _l(
                "A supporter with the status %(current)s cannot be moved to %(target)s.",
                current=STATUS_LABELS[supporter.status],
                target=STATUS_LABELS[to],
            ),
            code=CONFLICT,
        )


def _transition(
    supporter: Supporter, to: SupporterStatus, on: date, reason: str, by: User | None
) -> None:
    supporter.status_changes.append(
        SupporterStatusChange(
            from_status=supporter.status,
            to_status=to,
            effective_on=on,
            reason=reason,
            changed_by_id=by.id if by else None,
        )
    )
    supporter.status = to


def _change(supporter: Supporter, to: SupporterStatus, draft: StatusChange, problems=None) -> str:
    """Refuse a move the draft or the status does not allow; the reason to record."""
    refuse_if({**status_change_problems(draft, supporter), **(problems or {})})
    _allow(supporter, to)
    return draft.reason.strip()


def certify(
    supporter: Supporter, number: str, on: date, by: User | None, override_reason: str = ""
) -> Supporter:
    """Certify an applicant with a certificate number, once their cohort's hours are attended.

    An administrator may certify someone short of hours with ``override_reason`` (e.g. training
    recognised from elsewhere); the reason goes into the status history and the audit trail.
    """
    draft = Certification(number, on, override_reason)
    refuse_if(certification_problems(draft, supporter))
    if supporter.status != SupporterStatus.APPLICANT:
        raise Refused(_l("Only applicants can be certified."), code=CONFLICT)
    number = draft.certificate_number.strip()
    override_reason = (override_reason or "").strip()
    reason = "certified"
    short = _training_shortfall(supporter)
    if short is not None:
        if not override_reason:
            raise Refused(
                _l(
                    "%(name)s has attended %(attended)s of the %(required)s training hours "
                    "required: %(missing)s hours are missing.",
                    name=supporter.display_name,
                    attended=short.attended,
                    required=short.required,
                    missing=short.missing,
                ),
                code=CONFLICT,
            )
        if not can_certify_short_of_hours(by):
            raise Refused(
                _l("Only an administrator can certify with training hours missing."),
                "override_reason",
            )
        reason = short_of_hours_reason(short.missing, override_reason)
    _allow(supporter, SupporterStatus.CERTIFIED)
    _transition(supporter, SupporterStatus.CERTIFIED, on, reason, by)
    supporter.certificate_number = number
    supporter.certified_on = on
    db.session.flush()
    detail = number if reason == "certified" else f"{number}; {reason}"
    record("certify_supporter", supporter, detail=detail, user=by)
    return supporter


def _training_shortfall(supporter: Supporter):
    """The supporter's training progress if their cohort requires hours they have not attended."""
    from supporters.training.service import progress_of

    progress = progress_of(supporter)
    if progress is None or progress.complete:
        return None
    return progress


def suspend(supporter: Supporter, on: date, reason: str, by: User | None) -> Supporter:
    """Suspend a certified supporter: no offers, no stipend, until reinstated.

    Their account follows at once (same transaction): sessions end, API tokens are revoked,
    open offers are withdrawn, and sign-in is refused until they are reinstated.
    """
    reason = _change(supporter, SupporterStatus.SUSPENDED, StatusChange(on, reason))
    _transition(supporter, SupporterStatus.SUSPENDED, on, reason, by)
    supporter.suspended_on = on
    db.session.flush()
    record("suspend_supporter", supporter, detail=reason, user=by)
    _account_follows(supporter, by)
    return supporter


def _account_follows(supporter: Supporter, by: User | None) -> None:
    from supporters.accounts.service import follow_supporter

    try:
        follow_supporter(supporter, by)
    except Refused as error:  # a request of theirs changed meanwhile
        raise Refused(error.message, code=CONFLICT) from error


def reinstate(supporter: Supporter, on: date, reason: str, by: User | None) -> Supporter:
    """Lift a suspension; the certificate stays the same. Their account may sign in again."""
    if supporter.status != SupporterStatus.SUSPENDED:
        raise Refused(_l("Only suspended supporters can be reinstated."), code=CONFLICT)
    reason = _change(supporter, SupporterStatus.CERTIFIED, StatusChange(on, reason))
    _transition(supporter, SupporterStatus.CERTIFIED, on, reason, by)
    supporter.suspended_on = None
    db.session.flush()
    record("reinstate_supporter", supporter, detail=reason, user=by)
    return supporter


def reactivate(supporter: Supporter, on: date, reason: str, by: User | None) -> Supporter:
    """Bring a retired supporter back as certified, with the same certificate and all history."""
    if supporter.status != SupporterStatus.RETIRED or not supporter.certificate_number:
        raise Refused(
            _l("Only retired supporters who were certified can be re-activated."), code=CONFLICT
        )
    late = _l("The date cannot be before the retirement date.")
    problem = date_problem(on, supporter.retired_on, late) if on is not None else None
    extra = {"effective_on": problem} if problem else {}
    reason = _change(supporter, SupporterStatus.CERTIFIED, StatusChange(on, reason), extra)
    _transition(supporter, SupporterStatus.CERTIFIED, on, reason, by)
    supporter.retired_on = None
    supporter.suspended_on = None
    db.session.flush()
    record("reactivate_supporter", supporter, detail=reason, user=by)
    return supporter


def retire(supporter: Supporter, on: date, reason: str, by: User | None) -> Supporter:
    """Retire a supporter for good; their history stays.

    As with a suspension, their account follows at once: sessions end, API tokens are revoked,
    open offers are withdrawn and sign-in is refused (until re-activated).
    """
    reason = _change(supporter, SupporterStatus.RETIRED, StatusChange(on, reason))
    _transition(supporter, SupporterStatus.RETIRED, on, reason, by)
    supporter.retired_on = on
    db.session.flush()
    record("retire_supporter", supporter, detail=reason, user=by)
    _account_follows(supporter, by)
    return supporter
