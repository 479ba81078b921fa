"""Importing paper records of the case log, entered by a coordinator on supporters' behalf.

This module only reads a row (whose log, a date, numbers, the coordinator's words for the
category, mode, outcome, municipality and language — ``words.py``) into an ``ActivityEntry``;
the rules are ``activities.log.check``'s, as a paper record (older than the phone's 90 days,
not before ``OLDEST_RECORD``, never in a closed stipend month), asked for every row in the
preview and applied again by ``log_activity``. A row's ``client_token`` (given, or
derived from the row's content) makes a second import of the same file add nothing.
"""

import hashlib

from flask_babel import gettext as _
from sqlalchemy import select

from supporters.activities.log import ActivityEntry, check, log_activity
from supporters.clock import today_jst
from supporters.extensions import db
from supporters.imports import words
from supporters.imports.base import CREATE, UNCHANGED, Importer, ParsedRow
from supporters.imports.reading import Column, row_error
from supporters.imports.registry import parse_date
from supporters.input_guard import parse_id
from supporters.models import Activity, ActivityCategory, ActivityOutcome, Mode, Supporter
from supporters.refusals import Refused
from supporters.stipends.close import closed_months

YES = {"yes", "y", "true", "1", "はい", "要", "○", "有", "あり", "要フォロー"}
NO = {"", "no", "n", "false", "0", "いいえ", "不要", "無", "なし", "×", "-"}

COLUMNS = [
    Column("supporter_id", ("supporter", "サポーターID", "サポーター番号"), required=False),
    Column(
        "supporter_email",
        ("email", "e-mail", "supporter e-mail", "メール", "メールアドレス", "サポーターのメール"),
        required=False,
    ),
    Column("happened_on", ("date", "日付", "活動日", "対応日", "実施日")),
    Column("duration_minutes", ("duration", "minutes", "時間(分)", "所要時間(分)", "分", "時間")),
    Column("category", ("区分", "分類", "分野", "相談分野", "カテゴリ")),
    Column("mode", ("方法", "対応方法", "支援方法")),
    Column("municipality", ("municipality_code", "市町村", "市町村名", "場所")),
    Column("language", ("language_code", "言語", "使用言語"), required=False),
    Column("outcome", ("結果",), required=False),
    Column("people_reached", ("人数", "対象人数"), required=False),
    Column("follow_up", ("follow_up_needed", "要フォロー", "フォロー"), required=False),
    Column("notes", ("備考", "メモ"), required=False),
    Column("client_token", ("token",), required=False),
]


def row_token(supporter_id: int, values: dict[str, str]) -> str:
    """A token derived from what the row says, so the same row imported twice is one activity."""
    content = [str(supporter_id)] + [
        values.get(c.name, "") for c in COLUMNS if c.name not in ("supporter_id", "client_token")
    ]
    digest = hashlib.sha256("\x1f".join(content).encode("utf-8")).hexdigest()
    return f"import-{digest[:40]}"


def _number(text: str) -> int | None:
    """A whole number as written in a cell, or None (the rules then say what is wrong)."""
    return int(text) if text.isdigit() else None


def _choice(enum_cls, vocabulary: words.Vocabulary, text: str, name: str, problems: dict):
    """The enum member ``text`` names in the coordinator's words; else a problem (parsing)."""
    code = vocabulary.read(text)
    if code is None:
        problems[name] = vocabulary.unknown(text)
        return None
    return enum_cls(code)


class ActivityImporter(Importer):
    """Paper records of activities, all rows or none."""

    kind = "activities"
    columns = COLUMNS

    def check(self, rows):
        supporters = {s.id: s for s in db.session.scalars(select(Supporter))}
        by_email = {s.email.lower(): s for s in supporters.values()}
        days = [parse_date(values["happened_on"]) for _line, values in rows]
        known = [day for day in days if day is not None]
        closed = closed_months(min(known), max(known)) if known else set()
        today = today_jst()
        parsed, errors, tokens = [], [], {}
        memo: dict = {}  # names looked up, shared by the rows
        for (line, values), day in zip(rows, days, strict=True):
            problems: dict[str, str] = {}
            hints = words.Hints(memo)
            supporter = self._supporter(values, supporters, by_email, problems)
            entry = self._entry(values, day, supporter, problems, hints)
            token = entry.client_token
            key = (supporter.id if supporter else None, token)
            if supporter is not None and key in tokens:
                problems["client_token"] = _(
                    "Same record as line %(line)d (add a note to tell them apart).",
                    line=tokens[key],
                )
            tokens.setdefault(key, line)
            # Without a supporter the row has no token yet: that is said once, as "supporter".
            rules = check(
                entry,
                supporter,
                paper=True,
                today=today,
                closed=closed,
                token_needed=supporter is not None,
            )
            problems |= {name: text for name, text in rules.items() if name not in problems}
            if problems:
                errors.append(row_error(line, Refused(fields=problems), hints.texts()))
                continue
            understood = {
                "category": entry.category.value,
                "mode": entry.mode.value,
                "municipality": entry.municipality_code,
                "language": entry.language_code or "",
                "outcome": entry.outcome.value if entry.outcome else "",
            }
            parsed.append(
                ParsedRow(line, CREATE, values, (supporter.id, entry), understood=understood)
            )
        self._mark_imported(parsed)
        return parsed, errors

    def _entry(self, values, day, supporter, problems, hints) -> ActivityEntry:
        """The row read into an entry; a word or date it cannot read is a problem of its own."""
        if day is None:
            problems["happened_on"] = _("“%(value)s” is not a date.", value=values["happened_on"])
        category = _choice(
            ActivityCategory, words.CATEGORIES, values["category"], "category", problems
        )
        mode = _choice(Mode, words.MODES, values["mode"], "mode", problems)
        outcome = None
        if values.get("outcome"):
            outcome = _choice(
                ActivityOutcome, words.OUTCOMES, values["outcome"], "outcome", problems
            )
        language = values.get("language", "")
        follow_up = values.get("follow_up", "").lower()
        if follow_up not in YES | NO:
            problems["follow_up_needed"] = _("Give follow-up as yes or no.")
        token = values.get("client_token", "")
        if supporter is not None and not token:
            token = row_token(supporter.id, values)
        return ActivityEntry(
            happened_on=day,
            duration_minutes=_number(values["duration_minutes"]),
            category=category,
            mode=mode,
            municipality_code=words.municipality(
                values["municipality"], "municipality_code", hints
            ),
            language_code=words.language(language, "language_code", hints) if language else None,
            outcome=outcome,
            people_reached=_number(values.get("people_reached", "").replace(",", "")),
            follow_up_needed=follow_up in YES,
            notes=values.get("notes", ""),
            client_token=token,
        )

    def _supporter(self, values, supporters, by_email, problems) -> Supporter | None:
        """The row's supporter by e-mail or id (both given: they must agree)."""
        text_id, email = values.get("supporter_id", ""), values.get("supporter_email", "").lower()
        by_id = supporters.get(parse_id(text_id))
        found = by_email.get(email) if email else None
        if not text_id and not email:
            problems["supporter"] = _("Give the supporter's id or e-mail.")
        elif email and found is None:
            problems["supporter"] = _("No supporter has the e-mail %(value)s.", value=email)
        elif text_id and by_id is None:
            problems["supporter"] = _("No supporter has the id %(value)s.", value=text_id)
        elif by_id is not None and found is not None and by_id is not found:
            problems["supporter"] = _("The supporter id and e-mail name different supporters.")
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
        log_activity(db.session.get(Supporter, supporter_id), entry, self.by, paper=True)

    def audit_object(self) -> object:
        return Activity()
