"""Importing the supporter registry through ``registry.operations`` (register, update, certify).

A row with an ``id`` updates that supporter; a row without one registers a new applicant, and
an e-mail already in the registry (or twice in the file) is an error rather than a silent
update. ``status`` ``certified`` with a certificate number and date certifies an applicant
through ``operations.certify`` (training hours included); other status changes are made on the
supporter's page, where a reason is asked for.
"""

from datetime import date

from babel import Locale
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, select

from supporters.clock import today_jst
from supporters.extensions import db
from supporters.imports.base import CREATE, UNCHANGED, UPDATE, Importer, ParsedRow
from supporters.imports.reading import Column, RowError
from supporters.input_guard import parse_id
from supporters.models import (
    GENDERS,
    JAPANESE_LEVELS,
    Language,
    LanguageLevel,
    Mode,
    Municipality,
    Supporter,
    SupporterStatus,
)
from supporters.refusals import Refused
from supporters.registry import operations
from supporters.registry.forms import _PHONE as PHONE_PATTERN  # the registry form's own rule
from supporters.registry.forms import normalise_phone
from supporters.registry.operations import RegistryError, SupporterProfile

COLUMNS = [
    Column("id", ("supporter_id",), required=False),
    Column("display_name", ("name", "氏名", "表示名")),
    Column("email", ("e-mail", "メールアドレス")),
    Column("phone", ("電話番号",)),
    Column("home_municipality", ("home_municipality_code", "居住市町村")),
    Column("served_municipalities", ("対応市町村",), required=False),
    Column("languages", ("言語",)),
    Column("japanese_level", ("日本語レベル",)),
    Column("origins", ("出身国",), required=False),
    Column("modes", ("支援方法",)),
    Column("gender", ("性別",), required=False),
    Column("monthly_case_cap", ("月の上限件数",), required=False),
    Column("training_cohort", ("研修期",), required=False),
    Column("notes", ("備考",), required=False),
    Column("status", ("状態",), required=False),
    Column("certificate_number", ("認定番号",), required=False),
    Column("certified_on", ("認定日",), required=False),
    Column("applied_on", ("申込日",), required=False),
]
SEPARATOR = ";"
DEFAULT_CASE_CAP = 4


def split(text: str) -> list[str]:
    """``"a; b;;c"`` → ``["a", "b", "c"]`` (NFKC has already made ``；`` a ``;``)."""
    return [part.strip() for part in text.replace("、", SEPARATOR).split(SEPARATOR) if part.strip()]


def parse_date(text: str) -> date | None:
    """``2026-04-01`` or ``2026/4/1`` (as Excel writes it)."""
    parts = text.replace("/", "-").split("-")
    try:
        year, month, day = (int(part) for part in parts)
        return date(year, month, day)
    except ValueError:
        return None


def languages_text(entries) -> str:
    """The ``languages`` cell: ``vi:native;en:fluent``, strongest first."""
    ordered = sorted(entries, key=lambda entry: entry.rank)
    return SEPARATOR.join(f"{entry.language_code}:{entry.level.value}" for entry in ordered)


class SupporterImporter(Importer):
    """Supporters registered or updated, all rows or none."""

    kind = "supporters"
    columns = COLUMNS

    def check(self, rows):
        self.municipalities = set(db.session.scalars(select(Municipality.code)))
        self.languages = set(db.session.scalars(select(Language.code)))
        self.countries = {c for c in Locale.parse("en").territories if len(c) == 2 and c.isalpha()}
        by_email = {
            email: supporter_id
            for email, supporter_id in db.session.execute(
                select(func.lower(Supporter.email), Supporter.id)
            )
        }
        numbered = select(Supporter.certificate_number, Supporter.id).where(
            Supporter.certificate_number.is_not(None)
        )
        by_number = {number: supporter_id for number, supporter_id in db.session.execute(numbered)}
        parsed, errors = [], []
        emails: dict[str, int] = {}
        ids: dict[int, int] = {}
        numbers: dict[str, int] = {}
        for line, values in rows:
            problems: list[str] = []
            profile = self._profile(values, problems)
            supporter = None
            if values.get("id"):
                supporter_id = parse_id(values["id"])
                supporter = db.session.get(Supporter, supporter_id) if supporter_id else None
                if supporter is None:
                    problems.append(_("No supporter has the id %(value)s.", value=values["id"]))
                elif supporter.id in ids:
                    problems.append(_("Same id as line %(line)d.", line=ids[supporter.id]))
                else:
                    ids[supporter.id] = line
            email = profile.email if profile else values["email"].lower()
            if email in emails:
                problems.append(_("Same e-mail as line %(line)d.", line=emails[email]))
            elif email:
                emails[email] = line
                owner = by_email.get(email)
                if owner is not None and (supporter is None or owner != supporter.id):
                    problems.append(
                        _(
                            "Supporter %(id)d already uses this e-mail; put that id in the id "
                            "column to update them.",
                            id=owner,
                        )
                    )
            certify = self._certification(values, supporter, problems)
            if certify is not None:
                number = certify[0]
                owner = by_number.get(number)
                if number in numbers:
                    problems.append(
                        _("Same certificate number as line %(line)d.", line=numbers[number])
                    )
                elif owner is not None and (supporter is None or owner != supporter.id):
                    problems.append(_("This certificate number is already in use."))
                numbers[number] = line
            applied_on = today_jst()
            if values.get("applied_on") and supporter is None:
                applied_on = parse_date(values["applied_on"])
                if applied_on is None:
                    problems.append(_("“%(value)s” is not a date.", value=values["applied_on"]))
            if problems:
                errors.append(RowError(line, " ".join(problems)))
                continue
            if supporter is None:
                action = CREATE
            elif certify is None and _same(operations_profile(supporter), profile):
                action = UNCHANGED
            else:
                action = UPDATE
            payload = (supporter.id if supporter else None, profile, certify, applied_on)
            parsed.append(ParsedRow(line, action, values, payload))
        return parsed, errors

    def _profile(self, values: dict[str, str], problems: list[str]) -> SupporterProfile | None:
        """The row as a :class:`SupporterProfile`, with the registry form's rules."""
        count = len(problems)
        name = values["display_name"]
        if not name or len(name) > 100:
            problems.append(_("Give the name (at most 100 characters)."))
        email = values["email"].lower()
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            problems.append(_("“%(value)s” is not a valid e-mail address.", value=email))
        if len(email) > 254:
            problems.append(_("The e-mail address is too long."))
        phone = normalise_phone(values["phone"])
        if not PHONE_PATTERN.match(phone):
            problems.append(_("“%(value)s” is not a phone number.", value=values["phone"]))
        home = values["home_municipality"]
        served = split(values.get("served_municipalities", ""))
        unknown = [code for code in [home, *served] if code not in self.municipalities]
        if unknown:
            problems.append(
                _("Unknown municipality codes: %(codes)s.", codes=", ".join(unknown) or "-")
            )
        languages = self._languages(values["languages"], problems)
        level = values["japanese_level"]
        level = next((known for known in JAPANESE_LEVELS if known.lower() == level.lower()), None)
        if level is None:
            problems.append(
                _("Give the Japanese level: %(levels)s.", levels=", ".join(JAPANESE_LEVELS))
            )
        origins = [code.upper() for code in split(values.get("origins", ""))]
        wrong = [code for code in origins if code not in self.countries]
        if wrong:
            problems.append(_("Unknown country codes: %(codes)s.", codes=", ".join(wrong)))
        modes = [mode.lower() for mode in split(values["modes"])]
        valid_modes = [mode.value for mode in Mode]
        if not modes or any(mode not in valid_modes for mode in modes):
            problems.append(_("Give the ways of helping: %(modes)s.", modes=";".join(valid_modes)))
        gender = values.get("gender", "").lower() or None
        if gender is not None and gender not in GENDERS:
            problems.append(
                _("Give the gender as %(values)s or leave it empty.", values="/".join(GENDERS))
            )
        cap_text = values.get("monthly_case_cap", "") or str(DEFAULT_CASE_CAP)
        cap = int(cap_text) if cap_text.isdigit() else 0
        if not 1 <= cap <= 60:
            problems.append(_("Give a monthly case limit between 1 and 60."))
        cohort = values.get("training_cohort", "")
        if len(cohort) > 30:
            problems.append(_("The training cohort is longer than 30 characters."))
        notes = values.get("notes", "")
        if len(notes) > 4000:
            problems.append(_("The notes are longer than 4,000 characters."))
        if len(problems) > count:
            return None
        return SupporterProfile(
            display_name=name,
            email=email,
            phone=phone,
            home_municipality_code=home,
            served_municipality_codes=sorted(set(served)),
            languages=languages,
            japanese_level=level,
            origins=sorted(set(origins)),
            modes=sorted(set(modes)),
            gender=gender,
            monthly_case_cap=cap,
            training_cohort=cohort,
            notes=notes,
        )

    def _languages(self, text: str, problems: list[str]) -> list[tuple[str, LanguageLevel]]:
        """``vi:native;en:fluent`` → [("vi", NATIVE), ("en", FLUENT)]."""
        levels = {level.value: level for level in LanguageLevel}
        result, wrong = [], []
        for part in split(text):
            code, _sep, level = (piece.strip() for piece in part.partition(":"))
            if code not in self.languages or level.lower() not in levels:
                wrong.append(part)
            else:
                result.append((code, levels[level.lower()]))
        codes = [code for code, _level in result]
        if wrong or not result:
            problems.append(
                _(
                    "Give the languages as code:level separated by ; (levels: %(levels)s), "
                    "e.g. vi:native;en:fluent. Not understood: %(wrong)s.",
                    levels=", ".join(levels),
                    wrong=", ".join(wrong) or "-",
                )
            )
        elif len(codes) != len(set(codes)):
            problems.append(_("Give each language only once."))
        return result

    def _certification(self, values, supporter: Supporter | None, problems: list[str]):
        """(number, date) when the row certifies an applicant; checks the status column."""
        status_text = values.get("status", "").lower()
        if not status_text:
            return None
        try:
            status = SupporterStatus(status_text)
        except ValueError:
            problems.append(
                _(
                    "Unknown status “%(value)s” (%(statuses)s).",
                    value=status_text,
                    statuses=", ".join(s.value for s in SupporterStatus),
                )
            )
            return None
        current = supporter.status if supporter else SupporterStatus.APPLICANT
        number = values.get("certificate_number", "")
        if status == current:
            if supporter is not None and number and number != (supporter.certificate_number or ""):
                problems.append(_("The certificate number differs from the registry's."))
            return None
        if status != SupporterStatus.CERTIFIED or current != SupporterStatus.APPLICANT:
            problems.append(
                _(
                    "An import can only certify applicants; change the status from %(current)s "
                    "on the supporter's page.",
                    current=current.value,
                )
            )
            return None
        on = parse_date(values.get("certified_on", ""))
        if not number or len(number) > 30 or on is None:
            problems.append(_("Certifying needs a certificate number and a certification date."))
            return None
        return number, on

    def apply(self, row: ParsedRow) -> None:
        supporter_id, profile, certify, applied_on = row.payload
        try:
            if supporter_id is None:
                supporter = operations.register_supporter(profile, applied_on, self.by)
            else:
                supporter = db.session.get(Supporter, supporter_id)
                operations.update_supporter(supporter, profile, self.by)
            if certify is not None:
                operations.certify(supporter, certify[0], certify[1], self.by)
        except RegistryError as error:
            raise Refused(error.message) from error

    def audit_object(self) -> object:
        return Supporter()


def operations_profile(supporter: Supporter) -> SupporterProfile:
    """A stored supporter as the profile an import row would give."""
    return SupporterProfile(
        display_name=supporter.display_name,
        email=supporter.email,
        phone=supporter.phone,
        home_municipality_code=supporter.home_municipality_code,
        served_municipality_codes=sorted(m.code for m in supporter.served_municipalities),
        languages=[(e.language_code, e.level) for e in sorted(supporter.languages, key=_rank)],
        japanese_level=supporter.japanese_level,
        origins=sorted(o.country_code for o in supporter.origins),
        modes=sorted(mode.value for mode in supporter.modes),
        gender=supporter.gender,
        monthly_case_cap=supporter.monthly_case_cap,
        training_cohort=supporter.training_cohort or "",
        notes=supporter.notes or "",
    )


def _rank(entry) -> int:
    return entry.rank


def _same(stored: SupporterProfile, new: SupporterProfile) -> bool:
    """Equal once the home municipality is counted as served (operations always adds it)."""
    served = sorted({new.home_municipality_code, *new.served_municipality_codes})
    return stored == SupporterProfile(**{**vars(new), "served_municipality_codes": served})
