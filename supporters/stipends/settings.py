"""The stipend rule and amount in force for a month, and the fiscal year's budget.

Both are dated settings: a change from a given month adds a rule row, so months before it keep
the rule they had, and a month that is already closed cannot be given a new rule.
"""

from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from supporters import audit
from supporters.extensions import db
from supporters.models import FiscalBudget, StipendMonth, StipendRule, StipendRuleKind, User

MAX_AMOUNT_YEN = 100_000


class SettingsError(ValueError):
    """A setting that cannot be recorded; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass(frozen=True)
class RuleInForce:
    """Who earns a month's stipend and how much; ``since`` is None for the programme default."""

    kind: StipendRuleKind
    amount_yen: int
    since: date | None = None


def default_rule() -> RuleInForce:
    """The programme's default: 2,000 yen (configurable) for every month certified."""
    return RuleInForce(StipendRuleKind.CERTIFIED, current_app.config["STIPEND_DEFAULT_YEN"])


def rule_for(month: date) -> RuleInForce:
    """The rule in force in ``month`` (its first day): the latest one starting on or before it."""
    row = db.session.scalars(
        select(StipendRule)
        .where(StipendRule.effective_from <= month)
        .order_by(StipendRule.effective_from.desc())
        .limit(1)
    ).first()
    if row is None:
        return default_rule()
    return RuleInForce(row.kind, row.amount_yen, row.effective_from)


def rules() -> list[StipendRule]:
    """Every recorded rule change, newest first."""
    return list(db.session.scalars(select(StipendRule).order_by(StipendRule.effective_from.desc())))


def set_rule(
    effective_from: date, kind: StipendRuleKind, amount_yen: int, note: str, by: User | None
) -> StipendRule:
    """Record a rule from ``effective_from`` on; refused for a month already closed or later."""
    if effective_from.day != 1:
        raise SettingsError(_l("A rule starts on the first day of a month."), "effective_from")
    if not 0 < amount_yen <= MAX_AMOUNT_YEN:
        raise SettingsError(
            _l("Enter an amount between 1 and %(max)s yen.", max=f"{MAX_AMOUNT_YEN:,}"),
            "amount_yen",
        )
    closed = db.session.scalar(
        select(StipendMonth.month).where(StipendMonth.month >= effective_from).limit(1)
    )
    if closed is not None:
        raise SettingsError(
            _l(
                "%(month)s is already closed: a new rule can only start after the last "
                "closed month.",
                month=f"{closed:%Y-%m}",
            ),
            "effective_from",
        )
    existing = db.session.scalar(
        select(StipendRule).where(StipendRule.effective_from == effective_from)
    )
    if existing is not None:
        raise SettingsError(
            _l("A rule already starts in this month; choose another month."), "effective_from"
        )
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
    """The fiscal year's stipend budget in yen (the configured default when none is set)."""
    row = db.session.get(FiscalBudget, fiscal_year)
    if row is None:
        return current_app.config["STIPEND_BUDGET_DEFAULT_YEN"]
    return row.amount_yen


def set_budget(fiscal_year: int, amount_yen: int, note: str, by: User | None) -> FiscalBudget:
    """Set (or change) a fiscal year's budget."""
    if not 0 <= amount_yen <= 10**10:
        raise SettingsError(_l("Enter a budget in yen."), "amount_yen")
    row = db.session.get(FiscalBudget, fiscal_year)
    if row is None:
        row = FiscalBudget(fiscal_year=fiscal_year, amount_yen=0)
        db.session.add(row)
    row.amount_yen = amount_yen
    row.note = note.strip()
    row.updated_by_id = by.id if by else None
    db.session.flush()
    audit.record("fiscal_budget_set", row, f"FY{fiscal_year} {amount_yen}", user=by)
    return row
