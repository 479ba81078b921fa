"""The languages supporters speak: the default list, names from CLDR (Babel), and the admin's
add / rename / retire — every rule in :func:`language_problems`, every write audited.

A retired language is offered for no new supporter language, but stays on the records that have
it and in reports (``Language.retired_on``). Codes are ISO 639 (two or three letters), optionally
with a script or region subtag as in BCP 47 (``zh-Hant``, ``pt-BR``).
"""

import csv
import re
from dataclasses import dataclass
from datetime import date

from babel import Locale, UnknownLocaleError
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from supporters import audit
from supporters.clock import today_jst
from supporters.coverage.mapping import DEFAULT_MAPPING
from supporters.extensions import db
from supporters.models import Language, NationalityLanguage, User
from supporters.reference.shipped import DATA
from supporters.refusals import CONFLICT, NOT_FOUND, Refused, refuse_if

NAME_LENGTH = 60
CODE_PATTERN = re.compile(r"[a-z]{2,3}(-[A-Za-z]{4})?(-([A-Z]{2}|[0-9]{3}))?")
# Nationality → language pairs added to the coverage defaults for the longer list.
MORE_NATIONALITY_LANGUAGES = (
    ("AF", "ps"), ("AF", "fa"), ("EG", "ar"), ("SA", "ar"), ("SY", "ar"), ("SD", "ar"),
    ("TR", "tr"), ("MY", "ms"), ("LA", "lo"), ("ET", "am"), ("KE", "sw"), ("TZ", "sw"),
    ("FR", "fr"), ("DE", "de"), ("IT", "it"), ("UZ", "uz"), ("LK", "ta"), ("MX", "es"),
    ("CO", "es"), ("AR", "es"), ("CA", "en"), ("CA", "fr"), ("AU", "en"), ("NG", "en"),
    ("GH", "en"), ("KZ", "ru"), ("BY", "ru"),
)  # fmt: skip


def normalise_code(text: str) -> str:
    """``ZH_hant`` → ``zh-Hant``: language lower case, script title case, region upper case."""
    parts = (text or "").strip().replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(part.title() if len(part) == 4 else part.upper())
    return "-".join(out)


def _known(code: str) -> bool:
    return code.split("-")[0] in Locale("en").languages


def cldr_names(code: str) -> dict[str, str]:
    """``{"name_en", "name_ja", "name_native"}`` from CLDR; the English name where CLDR has no
    data for the language itself (then the admin writes the native name)."""
    key = code.replace("-", "_")

    def name_in(locale: Locale) -> str:
        found = locale.languages.get(key)
        if found is None:
            try:
                found = Locale.parse(key).get_display_name(locale)
            except (UnknownLocaleError, ValueError):
                found = None
        return found or code

    english, japanese = name_in(Locale("en")), name_in(Locale("ja"))
    try:
        native = name_in(Locale.parse(key))
    except (UnknownLocaleError, ValueError):
        native = english
    return {"name_en": english, "name_ja": japanese, "name_native": native[:1].upper() + native[1:]}


@dataclass
class LanguageDraft:
    """A language as the admin typed it (blank names are filled in from CLDR on add)."""

    code: str
    name_en: str = ""
    name_ja: str = ""
    name_native: str = ""


def language_problems(draft: LanguageDraft, new: bool) -> dict:
    """Every rule of a language, ``{field: message}`` (empty when it can be saved)."""
    problems: dict[str, object] = {}
    code = normalise_code(draft.code)
    if not CODE_PATTERN.fullmatch(code) or not _known(code):
        problems["code"] = _l("Not an ISO 639 language code (e.g. vi, pt, zh-Hant).")
    elif new and db.session.get(Language, code) is not None:
        problems["code"] = _l("This language is already in the list.")
    for name in ("name_en", "name_ja", "name_native"):
        value = (getattr(draft, name) or "").strip()
        if len(value) > NAME_LENGTH or (not new and not value):
            problems[name] = _l("Give a name of at most %(num)d characters.", num=NAME_LENGTH)
    return problems


def add_language(draft: LanguageDraft, by: User | None) -> Language:
    """Add a language by its code; names not typed come from CLDR. Flush + audit."""
    refuse_if(language_problems(draft, new=True))
    code = normalise_code(draft.code)
    names = cldr_names(code)
    language = Language(code=code)
    for name, default in names.items():
        setattr(language, name, (getattr(draft, name) or "").strip() or default)
    db.session.add(language)
    db.session.flush()
    audit.record("language_added", language, code, user=by)
    return language


def _existing(code: str) -> Language:
    language = db.session.get(Language, normalise_code(code)) if code else None
    if language is None:
        raise Refused(_l("This language is not in the list."), code=NOT_FOUND)
    return language


def rename_language(draft: LanguageDraft, by: User | None) -> Language:
    """Change a language's names (the code never changes: records point at it). Flush + audit."""
    language = _existing(draft.code)
    refuse_if(language_problems(draft, new=False))
    changed = []
    for name in ("name_en", "name_ja", "name_native"):
        value = getattr(draft, name).strip()
        if getattr(language, name) != value:
            setattr(language, name, value)
            changed.append(name)
    if changed:
        db.session.flush()
        audit.record("language_renamed", language, ",".join(changed), user=by)
    return language


def retire_language(code: str, by: User | None, on: date | None = None) -> Language:
    """Offer the language for no new supporter language; records keep it. Flush + audit."""
    language = _existing(code)
    if language.retired_on is not None:
        raise Refused(_l("This language is already retired."), code=CONFLICT)
    language.retired_on = on or today_jst()
    db.session.flush()
    audit.record("language_retired", language, language.code, user=by)
    return language


def reinstate_language(code: str, by: User | None) -> Language:
    """Offer a retired language again. Flush + audit."""
    language = _existing(code)
    if language.retired_on is None:
        raise Refused(_l("This language is not retired."), code=CONFLICT)
    language.retired_on = None
    db.session.flush()
    audit.record("language_reinstated", language, language.code, user=by)
    return language


def active_language_codes() -> set[str]:
    """Codes of the languages that may be chosen for a new supporter language."""
    return set(db.session.scalars(select(Language.code).where(Language.retired_on.is_(None))))


def default_languages() -> list[LanguageDraft]:
    """The default list shipped in ``data/languages.csv`` (CLDR names, the demo's wording)."""
    with (DATA / "languages.csv").open(encoding="utf-8", newline="") as file:
        return [LanguageDraft(**row) for row in csv.DictReader(file)]


def load_languages(codes: list[str] | None = None) -> tuple[int, int]:
    """Add the default languages (or ``codes``) that are missing, and the default nationality →
    language pairs whose language exists. Idempotent; returns (languages, pairs) added."""
    wanted = default_languages() if not codes else [LanguageDraft(c) for c in codes]
    known = set(db.session.scalars(select(Language.code)))
    added = 0
    for draft in wanted:
        if normalise_code(draft.code) not in known:
            add_language(draft, by=None)
            added += 1
    return added, seed_nationality_languages()


def seed_nationality_languages() -> int:
    """Add the default nationality → language pairs whose language exists and that are missing."""
    known = set(db.session.scalars(select(Language.code)))
    pairs = select(NationalityLanguage.nationality, NationalityLanguage.language_code)
    present = {tuple(row) for row in db.session.execute(pairs)}
    added = 0
    for nationality, language in (*DEFAULT_MAPPING, *MORE_NATIONALITY_LANGUAGES):
        if language in known and (nationality, language) not in present:
            db.session.add(NationalityLanguage(nationality=nationality, language_code=language))
            present.add((nationality, language))
            added += 1
    db.session.flush()
    return added
