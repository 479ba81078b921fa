"""Load the demo programme: reference data, ~100 sample supporters and one account per role.

Idempotent: running it again adds only what is missing, so ``make run`` can call it every time.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from supporters.auth.passwords import hash_password
from supporters.extensions import db
from supporters.models import Language, LanguageLevel, Municipality, Role, Supporter, User
from supporters.registry import operations
from supporters.registry.operations import SupporterProfile

from .people import load_languages, load_municipalities, sample_supporters

DEMO_PASSWORD = "yorisoi-demo-2026"
SAMPLE_NOTE = "Sample person (demo data) — not a real supporter."
CERTIFICATE_PREFIX = "INCS"


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


def seed_accounts() -> list[DemoAccount]:
    """Create missing demo accounts; the supporter account is linked to a sample supporter."""
    for account in DEMO_ACCOUNTS:
        if db.session.scalar(select(User).where(User.email == account.email)):
            continue
        user = User(
            email=account.email,
            name=account.name,
            role=account.role,
            password_hash=hash_password(DEMO_PASSWORD),
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
    return list(DEMO_ACCOUNTS)


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
    """Load everything; returns counts of what is now in the database."""
    municipalities, languages = seed_reference_data()
    added = seed_sample_supporters()
    seed_accounts()
    from supporters.coverage.demo import seed_coverage_demo
    from supporters.demo.activity import seed_availability, seed_requests
    from supporters.demo.payments import seed_bank_details

    slots = seed_availability()
    requests = seed_requests()
    accounts = seed_bank_details()
    coverage = seed_coverage_demo()
    return {
        "municipalities": municipalities,
        "languages": languages,
        "new_supporters": added,
        "supporters_given_slots": slots,
        "new_requests": requests,
        "new_bank_accounts": accounts,
        "new_resident_rows": coverage["resident_rows"],
    }
