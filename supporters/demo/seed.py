"""Load the demo programme: reference data, ~100 sample supporters and one account per role.

Idempotent: running it again adds only what is missing, so ``make run`` can call it every time.
The published password :data:`DEMO_PASSWORD` is given to the demo accounts only on a developer's
machine (``YORISOI_ENV=development``) or in tests; anywhere else each new account gets a random
password, returned once (``flask seed-demo`` prints it) and never stored in clear.
"""

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from supporters.auth.passwords import hash_password
from supporters.extensions import db
from supporters.models import Language, LanguageLevel, Municipality, Role, Supporter, User
from supporters.registry import operations
from supporters.registry.operations import SupporterProfile

from .people import load_languages, load_municipalities, sample_supporters

DEMO_PASSWORD = "yorisoi-demo-2026"
SAMPLE_NOTE = "Sample person (demo data) — not a real supporter."
# The demo programme, set up through the programme's service like any other (the payer is the
# demo's, which no bank accepts: the payments page says so).
DEMO_PROGRAMME = {
    "prefecture_code": "08",
    "name_ja": "いばらき母国語コミュニケーションサポーター",
    "name_en": "IBARAKI Native Communication Supporters",
    "certificate_prefix": "INCS",
    "certificate_issuer": "茨城県知事",
    "target_supporters": 150,
    "target_fiscal_year": 2029,
    "stipend_default_yen": 2000,
    "stipend_budget_default_yen": 3_600_000,
    "contact_phone": "029-000-0000",
    "contact_email": "support@example.jp",
    "referral_service": "茨城県国際交流協会（電話・ビデオ通訳）",
    "travel_radius_km": 30.0,
    "offer_answer_hours": 24,
}
CERTIFICATE_PREFIX = DEMO_PROGRAMME["certificate_prefix"]


@dataclass(frozen=True)
class DemoAccount:
    """A demo login printed by ``make run``."""

    email: str
    name: str
    role: Role
    municipalities: tuple[str, ...] = ()


DEMO_ACCOUNTS = (
    DemoAccount("admin@example.jp", "管理者 (demo)", Role.ADMIN),
    DemoAccount("coordinator@example.jp", "県コーディネーター (demo)", Role.COORDINATOR),
    DemoAccount("officer@example.jp", "古河市 担当者 (demo)", Role.MUNICIPAL_OFFICER, ("08204",)),
    DemoAccount("official@example.jp", "県 国際課 (demo)", Role.OFFICIAL),
    DemoAccount("supporter@example.jp", "Supporter (demo)", Role.SUPPORTER),
)


def seed_reference_data(prefecture_code: str = "08") -> tuple[int, int]:
    """Insert or update the prefecture's municipalities from the shipped data of all Japan
    (Ibaraki's 44 with the demo's names and coordinates) and the programme's languages."""
    from supporters.reference import shipped

    demo = {row["code"]: row for row in load_municipalities()} if prefecture_code == "08" else {}
    municipalities = shipped.municipalities(prefecture_code)
    for row in municipalities:
        municipality = db.session.get(Municipality, row.code) or Municipality(code=row.code)
        municipality.prefecture_code, municipality.lg_code = prefecture_code, row.lg_code
        for key in ("name_ja", "name_en", "kana", "kind", "latitude", "longitude"):
            # The demo's own wording and coordinates win ("Tokai (village)"; its centroids).
            setattr(municipality, key, demo.get(row.code, {}).get(key, getattr(row, key)))
        db.session.add(municipality)
    languages = load_languages()
    for row in languages:
        language = db.session.get(Language, row["code"]) or Language(code=row["code"])
        for key in ("name_en", "name_ja", "name_native"):
            setattr(language, key, row[key])
        db.session.add(language)
    db.session.flush()
    return len(municipalities), len(languages)


def _profile(person: dict) -> SupporterProfile:
    return SupporterProfile(
        display_name=person["display_name"],
        email=person["email"],
        phone=person["phone"],
        home_municipality_code=person["home_municipality"],
        served_municipality_codes=list(person["served_municipalities"]),
        languages=[(code, LanguageLevel(level)) for code, level in person["languages"]],
        japanese_level=person["japanese_level"],
        origins=list(person["origins"]),
        modes=list(person["modes"]),
        gender=person["gender"],
        monthly_case_cap=person["monthly_case_cap"],
        training_cohort=person["cohort"] or "",
        notes=SAMPLE_NOTE,
    )


def seed_sample_supporters() -> int:
    """Register the sample supporters through their lifecycles; returns how many were new."""
    people = sample_supporters()
    known = set(db.session.scalars(select(Supporter.email)))
    # Certificates are numbered in order of certification, as the programme would have issued them.
    order = sorted(people, key=lambda p: (p["certified_on"] or "9999", p["email"]))
    added = 0
    for person in order:
        if person["email"] in known:
            continue
        certified_on = (
            date.fromisoformat(person["certified_on"]) if person["certified_on"] else None
        )
        applied_on = (certified_on or date(2026, 10, 1)) - timedelta(days=45)
        supporter = operations.register_supporter(_profile(person), applied_on, by=None)
        supporter.is_sample = True
        if certified_on:
            number = operations.next_certificate_number(CERTIFICATE_PREFIX, certified_on.year)
            operations.certify(supporter, number, certified_on, by=None)
            later = certified_on + timedelta(days=180)
            if person["status"] == "suspended":
                operations.suspend(supporter, later, "Sample: long stay abroad", by=None)
            elif person["status"] == "retired":
                operations.retire(supporter, later, "Sample: moved out of the prefecture", by=None)
        added += 1
    db.session.flush()
    return added


def seed_programme() -> bool:
    """Set up the demo programme (Ibaraki) through the programme's service; True if it is new.
    A database holding another prefecture's programme is refused (``Refused``)."""
    from supporters.programme.service import ProgrammeDraft, start_programme
    from supporters.programme.settings import DEMO_PAYER

    draft = ProgrammeDraft(**DEMO_PROGRAMME, **DEMO_PAYER)
    return start_programme(draft, None, load_reference=False).created


def published_password_allowed() -> bool:
    """The demo password may be given only on a developer's machine or in tests."""
    config = current_app.config
    return config.get("YORISOI_ENV") == "development" or bool(config.get("TESTING"))


def seed_accounts() -> dict[str, str]:
    """Create missing demo accounts; the supporter account is linked to a sample supporter.

    Returns the new accounts' e-mail → password: :data:`DEMO_PASSWORD` where
    :func:`published_password_allowed`, else a random one (shown once by the caller)."""
    published = published_password_allowed()
    passwords = {}
    for account in DEMO_ACCOUNTS:
        if db.session.scalar(select(User).where(User.email == account.email)):
            continue
        password = DEMO_PASSWORD if published else secrets.token_urlsafe(15)
        passwords[account.email] = password
        user = User(
            email=account.email,
            name=account.name,
            role=account.role,
            password_hash=hash_password(password),
        )
        if account.municipalities:
            user.municipalities = list(
                db.session.scalars(
                    select(Municipality).where(Municipality.code.in_(account.municipalities))
                )
            )
        if account.role == Role.SUPPORTER:
            user.supporter = _first_unlinked_vietnamese_supporter()
            user.name = user.supporter.display_name if user.supporter else account.name
        db.session.add(user)
    db.session.flush()
    return passwords


def _first_unlinked_vietnamese_supporter() -> Supporter | None:
    linked = select(User.supporter_id).where(User.supporter_id.is_not(None))
    return db.session.scalar(
        select(Supporter)
        .where(Supporter.is_sample.is_(True), Supporter.status == "certified")
        .where(Supporter.id.not_in(linked))
        .where(Supporter.languages.any(language_code="vi"))
        # Prefer someone in Koga, where the demo's Vietnamese hospital request is.
        .order_by(Supporter.home_municipality_code != "08204", Supporter.id)
    )


def seed_demo() -> dict[str, int]:
    """Load everything; returns counts of what is now in the database, and under
    ``account_passwords`` the new demo accounts' passwords (see :func:`seed_accounts`)."""
    municipalities, languages = seed_reference_data()
    seed_programme()
    added = seed_sample_supporters()
    passwords = seed_accounts()
    from supporters.coverage.demo import seed_coverage_demo
    from supporters.demo.activity import seed_availability, seed_requests
    from supporters.demo.payments import seed_bank_details

    slots = seed_availability()
    requests = seed_requests()
    accounts = seed_bank_details()
    coverage = seed_coverage_demo()
    from supporters.demo.history import seed_history

    history = seed_history()  # the programme's past: cases, cohorts, closed and paid months
    return {
        "municipalities": municipalities,
        "languages": languages,
        "new_supporters": added,
        "supporters_given_slots": slots,
        "new_requests": requests,
        "new_bank_accounts": accounts,
        "new_resident_rows": coverage["resident_rows"],
        "new_history_cases": history["history_cases"],
        "account_passwords": passwords,
    }
