"""Writes to the supporter registry: each populates, checks, flushes, audits and returns.

None of these commit: the request commits once when the view succeeds (see ``create_app``),
and a CLI or test commits itself.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from supporters.audit import record
from supporters.extensions import db
from supporters.models import (
    LanguageLevel,
    Mode,
    Municipality,
    Role,
    Supporter,
    SupporterLanguage,
    SupporterOrigin,
    SupporterStatus,
    SupporterStatusChange,
    User,
)
from supporters.registry.labels import STATUS_LABELS
from supporters.textrules import name_problem


class RegistryError(Exception):
    """A write the registry refuses, with a message fit to show the user (and the field, if any)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


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
    monthly_case_cap: int
    training_cohort: str = ""
    notes: str = ""


# Which lifecycle moves are allowed, from → to.
TRANSITIONS = {
    SupporterStatus.APPLICANT: {SupporterStatus.CERTIFIED, SupporterStatus.RETIRED},
    SupporterStatus.CERTIFIED: {SupporterStatus.SUSPENDED, SupporterStatus.RETIRED},
    SupporterStatus.SUSPENDED: {SupporterStatus.CERTIFIED, SupporterStatus.RETIRED},
    # Re-activation (see ``reactivate``): only for someone who was certified before.
    SupporterStatus.RETIRED: {SupporterStatus.CERTIFIED},
}


def _apply_profile(supporter: Supporter, profile: SupporterProfile) -> None:
    if problem := name_problem(profile.display_name):
        raise RegistryError(problem, "display_name")
    with db.session.no_autoflush:
        _check_email_free(supporter, profile.email)
        _copy_profile(supporter, profile)


def _check_email_free(supporter: Supporter, email: str) -> None:
    clash = db.session.scalar(
        select(Supporter.id).where(
            func.lower(Supporter.email) == email.lower(),
            Supporter.id.is_distinct_from(supporter.id),
        )
    )
    if clash is not None:
        raise RegistryError(_l("Another supporter already uses this e-mail address."), "email")


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
    wanted = {code: (level, rank) for rank, (code, level) in enumerate(profile.languages)}
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
    supporter = Supporter(status=SupporterStatus.APPLICANT, applied_on=applied_on)
    _apply_profile(supporter, profile)
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
    _apply_profile(supporter, profile)
    db.session.flush()
    record("update_supporter", supporter, user=by)
    return supporter


def next_certificate_number(prefix: str, year: int) -> str:
    """The next free certificate number of a year, e.g. ``INCS-2026-0105``."""
    stem = f"{prefix}-{year}-"
    numbers = db.session.scalars(
        select(Supporter.certificate_number).where(Supporter.certificate_number.like(stem + "%"))
    )
    used = [int(n[len(stem) :]) for n in numbers if n and n[len(stem) :].isdigit()]
    return f"{stem}{(max(used, default=0) + 1):04d}"


def _transition(
    supporter: Supporter, to: SupporterStatus, on: date, reason: str, by: User | None
) -> None:
    if to not in TRANSITIONS[supporter.status]:
        raise RegistryError(
            _l(
                "A supporter with the status %(current)s cannot be moved to %(target)s.",
                current=STATUS_LABELS[supporter.status],
                target=STATUS_LABELS[to],
            )
        )
    if supporter.applied_on and on < supporter.applied_on:
        raise RegistryError(_l("The date cannot be before the application date."), "effective_on")
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


def certify(
    supporter: Supporter, number: str, on: date, by: User | None, override_reason: str = ""
) -> Supporter:
    """Certify an applicant with a certificate number, once their cohort's hours are attended.

    An administrator may certify someone short of hours with ``override_reason`` (e.g. training
    recognised from elsewhere); the reason goes into the status history and the audit trail.
    """
    if supporter.status != SupporterStatus.APPLICANT:
        raise RegistryError(_l("Only applicants can be certified."))
    reason = "certified"
    short = _training_shortfall(supporter)
    if short is not None:
        if not override_reason:
            raise RegistryError(
                _l(
                    "%(name)s has attended %(attended)s of the %(required)s training hours "
                    "required: %(missing)s hours are missing.",
                    name=supporter.display_name,
                    attended=short.attended,
                    required=short.required,
                    missing=short.missing,
                )
            )
        if by is None or by.role != Role.ADMIN:
            raise RegistryError(
                _l("Only an administrator can certify with training hours missing."),
                "override_reason",
            )
        reason = f"certified with {short.missing} training hours missing: {override_reason}"
    taken = db.session.scalar(
        select(Supporter.id).where(
            Supporter.certificate_number == number, Supporter.id != supporter.id
        )
    )
    if taken is not None:
        raise RegistryError(_l("This certificate number is already in use."), "certificate_number")
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
    _transition(supporter, SupporterStatus.SUSPENDED, on, reason, by)
    supporter.suspended_on = on
    db.session.flush()
    record("suspend_supporter", supporter, detail=reason, user=by)
    _account_follows(supporter, by)
    return supporter


def _account_follows(supporter: Supporter, by: User | None) -> None:
    from supporters.accounts.service import follow_supporter
    from supporters.help_requests.errors import RequestError

    try:
        follow_supporter(supporter, by)
    except RequestError as error:  # a request of theirs changed meanwhile (rolled back)
        raise RegistryError(error.message) from error


def reinstate(supporter: Supporter, on: date, reason: str, by: User | None) -> Supporter:
    """Lift a suspension; the certificate stays the same. Their account may sign in again."""
    if supporter.status != SupporterStatus.SUSPENDED:
        raise RegistryError(_l("Only suspended supporters can be reinstated."))
    _transition(supporter, SupporterStatus.CERTIFIED, on, reason, by)
    supporter.suspended_on = None
    db.session.flush()
    record("reinstate_supporter", supporter, detail=reason, user=by)
    return supporter


def reactivate(supporter: Supporter, on: date, reason: str, by: User | None) -> Supporter:
    """Bring a retired supporter back as certified, with the same certificate and all history."""
    if supporter.status != SupporterStatus.RETIRED or not supporter.certificate_number:
        raise RegistryError(_l("Only retired supporters who were certified can be re-activated."))
    if supporter.retired_on and on < supporter.retired_on:
        raise RegistryError(_l("The date cannot be before the retirement date."), "effective_on")
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
    _transition(supporter, SupporterStatus.RETIRED, on, reason, by)
    supporter.retired_on = on
    db.session.flush()
    record("retire_supporter", supporter, detail=reason, user=by)
    _account_follows(supporter, by)
    return supporter
