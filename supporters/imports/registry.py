"""Importing the supporter registry through ``registry.operations`` (register, update, certify).

A row with an ``id`` updates that supporter; a row without one registers a new applicant, and
an e-mail already in the registry (or twice in the file) is an error rather than a silent
update. ``status`` ``certified`` with a certificate number and date certifies an applicant
through ``operations.certify`` (training hours included); other status changes are made on the
supporter's page, where a reason is asked for.

This module only parses cells (lists split on ``;``, numbers, dates, and the coordinator's words
for municipalities, languages, levels and modes read as codes by ``words.py``); the rules
are the service's (``operations.profile_problems`` / ``certification_problems``, asked without
writing during the check), so a wrong row reads exactly like the form's and the API's errors.
"""

from datetime import date

from flask_babel import gettext as _

from supporters.clock import today_jst
from supporters.coverage.residents import nationality_code
from supporters.extensions import db
from supporters.imports import words
from supporters.imports.base import CREATE, UNCHANGED, UPDATE, Importer, ParsedRow
from supporters.imports.reading import Column, row_error
from supporters.input_guard import parse_id
from supporters.models import Supporter, SupporterStatus
from supporters.programme.settings import current as programme_settings
from supporters.refusals import Refused
from supporters.registry import operations
from supporters.registry.forms import normalise_phone
from supporters.registry.operations import Certification, SupporterProfile

COLUMNS = [
    Column("id", ("supporter_id", "ID", "サポーターID", "登録番号"), required=False),
    Column("display_name", ("name", "氏名", "名前", "表示名", "お名前")),
    Column("email", ("e-mail", "mail", "メール", "メールアドレス", "Eメール")),
    Column("phone", ("telephone", "tel", "電話", "電話番号", "携帯電話", "連絡先電話番号")),
    Column("home_municipality", ("home_municipality_code", "居住市町村", "住所市町村", "居住地")),
    Column(
        "served_municipalities",
        ("served_municipality_codes", "対応市町村", "対応地域", "活動市町村"),
        required=False,
    ),
    Column("languages", ("language", "言語", "対応言語", "言語とレベル")),
    Column("japanese_level", ("日本語レベル", "日本語能力", "日本語")),
    Column(
        "origins",
        ("origin", "countries of origin", "出身国", "出身国・地域", "出身"),
        required=False,
    ),
    Column("modes", ("mode", "ways of helping", "対応方法", "支援方法", "方法")),
    Column("gender", ("性別",), required=False),
    Column("monthly_case_cap", ("月の上限件数", "上限件数", "月上限"), required=False),
    Column("training_cohort", ("研修期", "研修"), required=False),
    Column("notes", ("備考", "メモ"), required=False),
    Column("status", ("状態", "ステータス"), required=False),
    Column("certificate_number", ("認定番号", "認定証番号"), required=False),
    Column("certified_on", ("認定日",), required=False),
    Column("applied_on", ("申込日", "登録日"), required=False),
]
# The column of the file each field of the service's profile comes from (for the preview).
PROFILE_COLUMNS = {
    "display_name": "display_name",
    "email": "email",
    "phone": "phone",
    "home_municipality_code": "home_municipality",
    "served_municipality_codes": "served_municipalities",
    "languages": "languages",
    "japanese_level": "japanese_level",
    "origins": "origins",
    "modes": "modes",
    "gender": "gender",
    "monthly_case_cap": "monthly_case_cap",
    "training_cohort": "training_cohort",
    "notes": "notes",
}
SEPARATOR = ";"
DEFAULT_CASE_CAP = 4


def split(text: str) -> list[str]:
    """``"a; b、c,,d"`` → ``["a", "b", "c", "d"]`` (NFKC has already made ``；`` a ``;``)."""
    return words.split(text)


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
        parsed, errors = [], []
        seen = {"id": {}, "email": {}, "certificate_number": {}}  # value → first line
        memo: dict = {}  # names looked up, shared by the rows
        for line, values in rows:
            problems: dict[str, object] = {}
            hints = words.Hints(memo)
            supporter = self._supporter(values, problems)
            profile = self._profile(values, problems, hints)
            # The service's rules, as the form and the API meet them (nothing is written).
            for field, message in operations.profile_problems(profile, supporter).items():
                problems.setdefault(field, message)
            certify = self._certification(values, supporter, problems, hints)
            if certify is not None:
                draft = Certification(*certify)
                for field, message in operations.certification_problems(draft, supporter).items():
                    problems.setdefault(field, message)
            self._same_as_earlier(line, seen, supporter, profile, certify, problems)
            applied_on = today_jst()
            if certify is not None and certify[1] is not None:
                applied_on = min(applied_on, certify[1])  # certified before: applied by then
            if values.get("applied_on") and supporter is None:
                applied_on = parse_date(values["applied_on"])
                if applied_on is None:
                    value = values["applied_on"]
                    problems["applied_on"] = _("“%(value)s” is not a date.", value=value)
                elif problem := operations.date_problem(applied_on):
                    problems["applied_on"] = problem
            if problems:
                errors.append(row_error(line, Refused(fields=problems), hints.texts()))
                continue
            changes: tuple[str, ...] = ()
            if supporter is None:
                action = CREATE
            else:
                changes = _changed_columns(operations_profile(supporter), profile)
                changes += ("status",) if certify is not None else ()
                action = UPDATE if changes else UNCHANGED
            payload = (supporter.id if supporter else None, profile, certify, applied_on)
            parsed.append(ParsedRow(line, action, values, payload, changes, _understood(profile)))
        return parsed, errors

    def _supporter(self, values: dict[str, str], problems: dict) -> Supporter | None:
        """The supporter a row's ``id`` names (None for a new one)."""
        if not values.get("id"):
            return None
        supporter_id = parse_id(values["id"])
        supporter = db.session.get(Supporter, supporter_id) if supporter_id else None
        if supporter is None:
            problems["id"] = _("No supporter has the id %(value)s.", value=values["id"])
        return supporter

    def _same_as_earlier(self, line, seen, supporter, profile, certify, problems) -> None:
        """The file's own rule: an id, an e-mail or a certificate number once per file."""
        messages = {
            "id": lambda first: _("Same id as line %(line)d.", line=first),
            "email": lambda first: _("Same e-mail as line %(line)d.", line=first),
            "certificate_number": lambda first: _(
                "Same certificate number as line %(line)d.", line=first
            ),
        }
        keys = {
            "id": supporter.id if supporter else None,
            "email": profile.email,
            "certificate_number": certify[0] if certify else None,
        }
        for field, key in keys.items():
            if not key:
                continue
            if key in seen[field]:
                problems.setdefault(field, messages[field](seen[field][key]))
            else:
                seen[field][key] = line

    def _profile(self, values: dict[str, str], problems: dict, hints) -> SupporterProfile:
        """The row as a :class:`SupporterProfile`: words read as codes, nothing judged."""
        cap_text = values.get("monthly_case_cap", "") or str(DEFAULT_CASE_CAP)
        try:
            cap = int(cap_text)
        except ValueError:
            cap = None
            problems["monthly_case_cap"] = _("Enter a number of cases.")
        level = values["japanese_level"]
        japanese = words.japanese_level(level)
        if japanese is None and level:
            hints.add("japanese_level", words.JAPANESE.hint(level))
        gender = values.get("gender", "")
        served = "served_municipality_codes"
        return SupporterProfile(
            display_name=values["display_name"],
            email=values["email"].lower(),
            phone=normalise_phone(values["phone"]),
            home_municipality_code=words.municipality(
                values["home_municipality"], "home_municipality_code", hints
            ),
            served_municipality_codes=sorted(
                {
                    words.municipality(part, served, hints)
                    for part in split(values.get("served_municipalities", ""))
                }
            ),
            languages=words.language_levels(values["languages"], hints),
            japanese_level=japanese or level,
            origins=sorted({_country(part) for part in split(values.get("origins", ""))}),
            modes=sorted(
                {
                    words.coded(words.MODES, part, "modes", hints)
                    for part in words.split(values["modes"], more="・/")
                }
            ),
            gender=words.coded(words.GENDERS, gender, "gender", hints) if gender else None,
            monthly_case_cap=cap,
            training_cohort=values.get("training_cohort", ""),
            notes=values.get("notes", ""),
        )

    def _certification(self, values, supporter: Supporter | None, problems: dict, hints):
        """(number, date) when the row certifies an applicant; checks the status column."""
        status_text = values.get("status", "")
        if not status_text:
            return None
        code = words.STATUSES.read(status_text)
        if code is None:
            problems["status"] = words.STATUSES.unknown(status_text)
            return None
        status = SupporterStatus(code)
        current = supporter.status if supporter else SupporterStatus.APPLICANT
        number = values.get("certificate_number", "")
        if status == current:
            if supporter is not None and number and number != (supporter.certificate_number or ""):
                problems["certificate_number"] = _(
                    "The certificate number differs from the registry's."
                )
            return None
        if status != SupporterStatus.CERTIFIED or current != SupporterStatus.APPLICANT:
            problems["status"] = _(
                "An import can only certify applicants; change the status from %(current)s "
                "on the supporter's page.",
                current=current.value,
            )
            return None
        text = values.get("certified_on", "")
        on = parse_date(text)
        if text and on is None:
            problems["effective_on"] = _("“%(value)s” is not a date.", value=text)
        if not number and on is not None:
            number = self._issue_number(on.year)
        return number, on

    def _issue_number(self, year: int) -> str:
        """The next certificate number of ``year`` for a row that certifies without one, as the
        console's certify page proposes it (the programme's prefix; numbers in file order)."""
        issued = self.__dict__.setdefault("_issued", {})
        prefix = programme_settings().certificate_prefix
        if year not in issued:
            first = operations.next_certificate_number(prefix, year)
            issued[year] = int(first.rsplit("-", 1)[1]) - 1
        issued[year] += 1
        return f"{prefix}-{year}-{issued[year]:04d}"

    def apply(self, row: ParsedRow) -> None:
        supporter_id, profile, certify, applied_on = row.payload
        if supporter_id is None:
            supporter = operations.register_supporter(profile, applied_on, self.by)
        else:
            supporter = db.session.get(Supporter, supporter_id)
            operations.update_supporter(supporter, profile, self.by)
        if certify is not None:
            operations.certify(supporter, certify[0], certify[1], self.by)

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


def _changed_columns(stored: SupporterProfile, new: SupporterProfile) -> tuple[str, ...]:
    """The columns whose value an update changes (the home municipality counts as served)."""
    served = sorted({new.home_municipality_code, *new.served_municipality_codes})
    new = SupporterProfile(**{**vars(new), "served_municipality_codes": served})
    return tuple(
        column
        for name, column in PROFILE_COLUMNS.items()
        if getattr(stored, name) != getattr(new, name)
    )


def _understood(profile: SupporterProfile) -> dict[str, str]:
    """The codes the preview shows next to what the file says."""
    return {
        "home_municipality": profile.home_municipality_code,
        "served_municipalities": SEPARATOR.join(profile.served_municipality_codes),
        "languages": SEPARATOR.join(f"{code}:{level}" for code, level in profile.languages),
        "japanese_level": profile.japanese_level,
        "modes": SEPARATOR.join(profile.modes),
        "gender": profile.gender or "",
    }


def _country(text: str) -> str:
    """An ISO 3166 code from a code or a country's name (ベトナム, Brazil); else the text."""
    return nationality_code(text) or text.upper()


def _rank(entry) -> int:
    return entry.rank
