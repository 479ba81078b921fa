"""Importing paper records of the case log, entered by a coordinator on supporters' behalf.

Each row goes through ``activities.log.log_activity`` with the phone form's checks, except the
90-day limit: paper records may be older (not before ``OLDEST_RECORD``), but never in a closed
stipend month. A row's ``client_token`` (given, or derived from the row's content) makes a
second import of the same file add nothing.
"""

import hashlib
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from supporters.activities.log import (
    MAX_DURATION,
    MAX_PEOPLE_REACHED,
    ActivityEntry,
    ActivityError,
    log_activity,
)
from supporters.clock import today_jst
from supporters.extensions import db
from supporters.imports.base import CREATE, UNCHANGED, Importer, ParsedRow
from supporters.imports.reading import Column, RowError
from supporters.imports.registry import parse_date
from supporters.input_guard import parse_id
from supporters.models import (
    Activity,
    ActivityCategory,
    ActivityOutcome,
    Language,
    Mode,
    Municipality,
    Supporter,
)
from supporters.refusals import Refused
from supporters.stipends.close import closed_months
from supporters.stipends.months import month_text

OLDEST_RECORD = date(2000, 1, 1)  # guards against a mistyped year, not a programme rule
MAX_NOTES = 1000
YES = {"yes", "y", "true", "1", "はい", "要", "○"}
NO = {"", "no", "n", "false", "0", "いいえ", "不要"}

COLUMNS = [
    Column("supporter_id", ("supporter",), required=False),
    Column("supporter_email", ("email", "e-mail", "メールアドレス"), required=False),
    Column("happened_on", ("date", "日付", "活動日")),
    Column("duration_minutes", ("duration", "minutes", "時間(分)")),
    Column("category", ("区分",)),
    Column("mode", ("方法",)),
    Column("municipality", ("municipality_code", "市町村")),
    Column("language", ("language_code", "言語"), required=False),
    Column("outcome", ("結果",), required=False),
    Column("people_reached", ("人数",), required=False),
    Column("follow_up", ("follow_up_needed", "要フォロー"), required=False),
    Column("notes", ("備考",), required=False),
    Column("client_token", ("token",), required=False),
]


def row_token(supporter_id: int, values: dict[str, str]) -> str:
    """A token derived from what the row says, so the same row imported twice is one activity."""
    content = [str(supporter_id)] + [
        values.get(c.name, "") for c in COLUMNS if c.name not in ("supporter_id", "client_token")
    ]
    digest = hashlib.sha256("\x1f".join(content).encode("utf-8")).hexdigest()
    return f"import-{digest[:40]}"


def _choice(enum_cls, text: str):
    try:
        return enum_cls(text.lower())
    except ValueError:
        return None


class ActivityImporter(Importer):
    """Paper records of activities, all rows or none."""

    kind = "activities"
    columns = COLUMNS

    def check(self, rows):
        supporters = {s.id: s for s in db.session.scalars(select(Supporter))}
        by_email = {s.email.lower(): s for s in supporters.values()}
        municipalities = set(db.session.scalars(select(Municipality.code)))
        languages = set(db.session.scalars(select(Language.code)))
        days = [parse_date(values["happened_on"]) for _line, values in rows]
        known = [day for day in days if day is not None]
        closed = closed_months(min(known), max(known)) if known else set()
        today = today_jst()
        parsed, errors, tokens = [], [], {}
        for (line, values), day in zip(rows, days, strict=True):
            problems: list[str] = []
            supporter = self._supporter(values, supporters, by_email, problems)
            if day is None:
                problems.append(_("“%(value)s” is not a date.", value=values["happened_on"]))
            elif day > today:
                problems.append(_("The date cannot be in the future."))
            elif day < OLDEST_RECORD:
                problems.append(
                    _("Dates before %(date)s are not accepted.", date=OLDEST_RECORD.isoformat())
                )
            elif day.replace(day=1) in closed:
                problems.append(
                    _(
                        "The stipend month %(month)s is closed; an administrator must re-open "
                        "it before records are added.",
                        month=month_text(day),
                    )
                )
            minutes = values["duration_minutes"]
            minutes = int(minutes) if minutes.isdigit() else 0
            if not 0 < minutes <= MAX_DURATION:
                problems.append(_("Give the duration in minutes, from 1 to 1440."))
            category = _choice(ActivityCategory, values["category"])
            if category is None:
                problems.append(
                    _(
                        "Unknown category “%(value)s” (%(values)s).",
                        value=values["category"],
                        values=", ".join(c.value for c in ActivityCategory),
                    )
                )
            mode = _choice(Mode, values["mode"])
            if mode is None:
                problems.append(
                    _(
                        "Unknown mode “%(value)s” (%(values)s).",
                        value=values["mode"],
                        values=", ".join(m.value for m in Mode),
                    )
                )
            municipality = values["municipality"]
            if municipality not in municipalities:
                problems.append(_("Unknown municipality code “%(value)s”.", value=municipality))
            language = values.get("language", "") or None
            if language is not None and language not in languages:
                problems.append(_("Unknown language code “%(value)s”.", value=language))
            outcome = None
            if values.get("outcome"):
                outcome = _choice(ActivityOutcome, values["outcome"])
                if outcome is None:
                    problems.append(
                        _(
                            "Unknown outcome “%(value)s” (%(values)s).",
                            value=values["outcome"],
                            values=", ".join(o.value for o in ActivityOutcome),
                        )
                    )
            elif category not in (None, ActivityCategory.INFORMATION):
                problems.append(_("Give the outcome of the case."))
            people = None
            if category == ActivityCategory.INFORMATION:
                text = values.get("people_reached", "").replace(",", "")
                people = int(text) if text.isdigit() else None
                if people is None or not 1 <= people <= MAX_PEOPLE_REACHED:
                    problems.append(
                        _(
                            "Give how many people the information reached (1 to %(max)d).",
                            max=MAX_PEOPLE_REACHED,
                        )
                    )
            follow_up = values.get("follow_up", "").lower()
            if follow_up not in YES | NO:
                problems.append(_("Give follow-up as yes or no."))
            notes = values.get("notes", "")
            if len(notes) > MAX_NOTES:
                problems.append(_("The notes are longer than 1,000 characters."))
            token = values.get("client_token", "")
            if len(token) > 64:
                problems.append(_("The token is longer than 64 characters."))
            if supporter is not None and not token:
                token = row_token(supporter.id, values)
            key = (supporter.id if supporter else None, token)
            if supporter is not None and key in tokens:
                problems.append(
                    _(
                        "Same record as line %(line)d (add a note to tell them apart).",
                        line=tokens[key],
                    )
                )
            tokens.setdefault(key, line)
            if problems:
                errors.append(RowError(line, " ".join(problems)))
                continue
            entry = ActivityEntry(
                happened_on=day,
                duration_minutes=minutes,
                category=category,
                mode=mode,
                municipality_code=municipality,
                language_code=language,
                outcome=outcome,
                people_reached=people,
                follow_up_needed=follow_up in YES,
                notes=notes,
                client_token=token,
            )
            parsed.append(ParsedRow(line, CREATE, values, (supporter.id, entry)))
        self._mark_imported(parsed)
        return parsed, errors

    def _supporter(self, values, supporters, by_email, problems) -> Supporter | None:
        """The row's supporter by e-mail or id (both given: they must agree)."""
        text_id, email = values.get("supporter_id", ""), values.get("supporter_email", "").lower()
        by_id = supporters.get(parse_id(text_id))
        found = by_email.get(email) if email else None
        if not text_id and not email:
            problems.append(_("Give the supporter's id or e-mail."))
        elif email and found is None:
            problems.append(_("No supporter has the e-mail %(value)s.", value=email))
        elif text_id and by_id is None:
            problems.append(_("No supporter has the id %(value)s.", value=text_id))
        elif by_id is not None and found is not None and by_id is not found:
            problems.append(_("The supporter id and e-mail name different supporters."))
        else:
            return found or by_id
        return None

    def _mark_imported(self, parsed: list[ParsedRow]) -> None:
        """Rows whose token is already in the log are left as they are."""
        tokens = {row.payload[1].client_token for row in parsed}
        if not tokens:
            return
        stored = set()
        token_list = sorted(tokens)
        for start in range(0, len(token_list), 500):  # stay under the SQL parameter limit
            chunk = token_list[start : start + 500]
            stored |= set(
                db.session.execute(
                    select(Activity.supporter_id, Activity.client_token).where(
                        Activity.client_token.in_(chunk)
                    )
                )
            )
        for row in parsed:
            if (row.payload[0], row.payload[1].client_token) in stored:
                row.action = UNCHANGED

    def apply(self, row: ParsedRow) -> None:
        supporter_id, entry = row.payload
        supporter = db.session.get(Supporter, supporter_id)
        try:
            log_activity(supporter, entry, self.by, max_age_days=None)
        except ActivityError as error:
            raise Refused(error.message) from error

    def audit_object(self) -> object:
        return Activity()
