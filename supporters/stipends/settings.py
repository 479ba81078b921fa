"""The stipend rule and amount in force for a month, and the fiscal year's budget.

Both are dated settings: a change from a given month adds a rule row, so months before it keep
the rule they had, and a month that is already closed cannot be given a new rule.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from supporters import audit, tenancy
from supporters.extensions import db
from supporters.models import FiscalBudget, StipendMonth, StipendRule, StipendRuleKind, User
from supporters.programme.settings import current as programme_settings
from supporters.refusals import refuse_if

MAX_AMOUNT_YEN = 100_000
MAX_BUDGET_YEN = 10**10
FISCAL_YEARS = (2000, 2100)
NOTE_MAX = 1000


@dataclass(frozen=True)
class RuleDraft:
    """A rule as an admin enters it: from which month, who receives it, how much, and why."""

    effective_from: date | None
    kind: StipendRuleKind | str | None
    amount_yen: int | None
    note: str = ""


@dataclass(frozen=True)
class BudgetDraft:
    """A fiscal year's budget as an admin enters it."""

    fiscal_year: int | None
    amount_yen: int | None
    note: str = ""


def _kind(value) -> StipendRuleKind | None:
    try:
        return StipendRuleKind(value)
    except ValueError:
        return None


def _note_problem(note: str | None):
    if len((note or "").strip()) > NOTE_MAX:
        return _l("At most %(max)d characters.", max=NOTE_MAX)
    return None


@dataclass(frozen=True)
class RuleInForce:
    """Who earns a month's stipend and how much; ``since`` is None for the programme default."""

    kind: StipendRuleKind
    amount_yen: int
    since: date | None = None


def default_rule() -> RuleInForce:
    """The programme's default amount (its settings) for every month certified."""
    return RuleInForce(StipendRuleKind.CERTIFIED, programme_settings().stipend_default_yen)


def rule_statement(month: date) -> Select:
    """The recorded rule in force in ``month``, as a statement (none: the programme default)."""
    return (
        select(StipendRule)
        .where(StipendRule.effective_from <= month)
        .order_by(StipendRule.effective_from.desc())
        .limit(1)
    )


def rule_for(month: date) -> RuleInForce:
    """The rule in force in ``month`` (its first day): the latest one starting on or before it."""
    row = db.session.scalars(rule_statement(month)).first()
    if row is None:
        return default_rule()
    return RuleInForce(row.kind, row.amount_yen, row.effective_from)


def rules() -> list[StipendRule]:
    """Every recorded rule change, newest first."""
    return list(db.session.scalars(select(StipendRule).order_by(StipendRule.effective_from.desc())))


def check_rule(draft: RuleDraft) -> dict[str, object]:
    """What is wrong with a new rule, by field: a month's first day that is not closed yet and
    has no rule, a known kind, and an amount of 1 to ``MAX_AMOUNT_YEN`` yen."""
    problems: dict[str, object] = {}
    start = draft.effective_from
    if start is None:
        problems["effective_from"] = _l("Enter a month as YYYY-MM, e.g. 2025-04.")
    elif start.day != 1:
        problems["effective_from"] = _l("A rule starts on the first day of a month.")
    else:
        closed = db.session.scalar(
            select(StipendMonth.month).where(StipendMonth.month >= start).limit(1)
        )
        if closed is not None:
            problems["effective_from"] = _l(
                "%(month)s is already closed: a new rule can only start after the last "
                "closed month.",
                month=f"{closed:%Y-%m}",
            )
        elif db.session.scalar(select(StipendRule.id).where(StipendRule.effective_from == start)):
            problems["effective_from"] = _l(
                "A rule already starts in this month; choose another month."
            )
    if _kind(draft.kind) is None:
        problems["kind"] = _l("Choose from the list.")
    if draft.amount_yen is None or not 0 < draft.amount_yen <= MAX_AMOUNT_YEN:
        problems["amount_yen"] = _l(
            "Enter an amount between 1 and %(max)s yen.", max=f"{MAX_AMOUNT_YEN:,}"
        )
    problems["note"] = _note_problem(draft.note)
    return problems


def set_rule(draft: RuleDraft, by: User | None) -> StipendRule:
    """Record a rule from ``draft.effective_from`` on; refused for a month already closed."""
    refuse_if(check_rule(draft))
    effective_from, kind, amount_yen = draft.effective_from, _kind(draft.kind), draft.amount_yen
    note = draft.note or ""
    rule = StipendRule(
        effective_from=effective_from,
        kind=kind,
        amount_yen=amount_yen,
        note=note.strip(),
        created_by_id=by.id if by else None,
    )
    db.session.add(rule)
    db.session.flush()
    audit.record("stipend_rule_set", rule, f"{effective_from:%Y-%m} {kind} {amount_yen}", user=by)
    return rule


def budget_for(fiscal_year: int) -> int:
    """The fiscal year's stipend budget in yen (the programme's default when none is set)."""
    low, high = FISCAL_YEARS
    row = tenancy.get_keyed(FiscalBudget, fiscal_year) if low <= fiscal_year <= high else None
    if row is None:
        return programme_settings().stipend_budget_default_yen
    return row.amount_yen


def check_budget(draft: BudgetDraft) -> dict[str, object]:
    """What is wrong with a budget, by field."""
    low, high = FISCAL_YEARS
    problems: dict[str, object] = {}
    if draft.fiscal_year is None or not low <= draft.fiscal_year <= high:
        problems["fiscal_year"] = _l("Enter a fiscal year between 2000 and 2100.")
    if draft.amount_yen is None or not 0 <= draft.amount_yen <= MAX_BUDGET_YEN:
        problems["amount_yen"] = _l("Enter a budget in yen.")
    problems["note"] = _note_problem(draft.note)
    return problems


def set_budget(draft: BudgetDraft, by: User | None) -> FiscalBudget:
    """Set (or change) a fiscal year's budget."""
    refuse_if(check_budget(draft))
    fiscal_year, amount_yen, note = draft.fiscal_year, draft.amount_yen, draft.note or ""
    row = tenancy.get_keyed(FiscalBudget, fiscal_year)
    if row is None:
        row = FiscalBudget(fiscal_year=fiscal_year, amount_yen=0)
        db.session.add(row)
    row.amount_yen = amount_yen
    row.note = note.strip()
    row.updated_by_id = by.id if by else None
    db.session.flush()
    audit.record("fiscal_budget_set", row, f"FY{fiscal_year} {amount_yen}", user=by)
    return row
