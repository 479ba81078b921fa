"""Importing the supporter registry through ``registry.operations`` (register, update, certify).

A row with an ``id`` updates that supporter; a row without one registers a new applicant, and
an e-mail already in the registry (or twice in the file) is an error rather than a silent
update. ``status`` ``certified`` with a certificate number and date certifies an applicant
through ``operations.certify`` (training hours included); other status changes are made on the
supporter's page, where a reason is asked for.

This module only parses cells (lists split on ``;``, numbers, dates, codes' case); the rules
are the service's (``operations.profile_problems`` / ``certification_problems``, asked without
writing during the check), so a wrong row reads exactly like the form's and the API's errors.
"""

from datetime import date

from flask_babel import gettext as _

from supporters.clock import today_jst
from supporters.extensions import db
from supporters.imports.base import CREATE, UNCHANGED, UPDATE, Importer, ParsedRow
from supporters.imports.reading import Column, row_error
from supporters.input_guard import parse_id
from supporters.models import JAPANESE_LEVELS, LanguageLevel, Supporter, SupporterStatus
from supporters.reference.codes import as_typed_code
from supporters.refusals import Refused
from supporters.registry import operations
from supporters.registry.forms import normalise_phone
from supporters.registry.operations import Certification, SupporterProfile

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
        parsed, errors = [], []
        seen = {"id": {}, "email": {}, "certificate_number": {}}  # value → first line
        for line, values in rows:
            problems: dict[str, object] = {}
            supporter = self._supporter(values, problems)
            profile = self._profile(values, problems)
            # The service's rules, as the form and the API meet them (nothing is written).
            for field, message in operations.profile_problems(profile, supporter).items():
                problems.setdefault(field, message)
            certify = self._certification(values, supporter, problems)
            if certify is not None:
                draft = Certification(*certify)
                for field, message in operations.certification_problems(draft, supporter).items():
                    problems.setdefault(field, message)
            self._same_as_earlier(line, seen, supporter, profile, certify, problems)
            applied_on = today_jst()
            if values.get("applied_on") and supporter is None:
                applied_on = parse_date(values["applied_on"])
                if applied_on is None:
                    value = values["applied_on"]
                    problems["applied_on"] = _("“%(value)s” is not a date.", value=value)
                elif problem := operations.date_problem(applied_on):
                    problems["applied_on"] = problem
            if problems:
                errors.append(row_error(line, Refused(fields=problems)))
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

    def _profile(self, values: dict[str, str], problems: dict) -> SupporterProfile:
        """The row as a :class:`SupporterProfile`: cells split and typed, nothing judged."""
        cap_text = values.get("monthly_case_cap", "") or str(DEFAULT_CASE_CAP)
        try:
            cap = int(cap_text)
        except ValueError:
            cap = None
            problems["monthly_case_cap"] = _("Enter a number of cases.")
        level = values["japanese_level"]
        level = next((known for known in JAPANESE_LEVELS if known.lower() == level.lower()), level)
        return SupporterProfile(
            display_name=values["display_name"],
            email=values["email"].lower(),
            phone=normalise_phone(values["phone"]),
            home_municipality_code=as_typed_code(values["home_municipality"]),
            served_municipality_codes=sorted(
                {as_typed_code(code) for code in split(values.get("served_municipalities", ""))}
            ),
            languages=self._languages(values["languages"], problems),
            japanese_level=level,
            origins=sorted({code.upper() for code in split(values.get("origins", ""))}),
            modes=sorted({mode.lower() for mode in split(values["modes"])}),
            gender=values.get("gender", "").lower() or None,
            monthly_case_cap=cap,
            training_cohort=values.get("training_cohort", ""),
            notes=values.get("notes", ""),
        )

    def _languages(self, text: str, problems: dict) -> list[tuple[str, LanguageLevel]]:
        """``vi:native;en:fluent`` → [("vi", NATIVE), ("en", FLUENT)] (codes judged later)."""
        levels = {level.value: level for level in LanguageLevel}
        result, wrong = [], []
        for part in split(text):
            code, _sep, level = (piece.strip() for piece in part.partition(":"))
            if not code or level.lower() not in levels:
                wrong.append(part)
            else:
                result.append((code, levels[level.lower()]))
        if wrong:
            problems["languages"] = _(
                "Give the languages as code:level separated by ; (levels: %(levels)s), "
                "e.g. vi:native;en:fluent. Not understood: %(wrong)s.",
                levels=", ".join(levels),
                wrong=", ".join(wrong),
            )
        return result

    def _certification(self, values, supporter: Supporter | None, problems: dict):
        """(number, date) when the row certifies an applicant; checks the status column."""
        status_text = values.get("status", "").lower()
        if not status_text:
            return None
        try:
            status = SupporterStatus(status_text)
        except ValueError:
            problems["status"] = _(
                "Unknown status “%(value)s” (%(statuses)s).",
                value=status_text,
                statuses=", ".join(s.value for s in SupporterStatus),
            )
            return None
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
        return number, on

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


def _rank(entry) -> int:
    return entry.rank


def _same(stored: SupporterProfile, new: SupporterProfile) -> bool:
    """Equal once the home municipality is counted as served (operations always adds it)."""
    served = sorted({new.home_municipality_code, *new.served_municipality_codes})
    return stored == SupporterProfile(**{**vars(new), "served_municipality_codes": served})
