"""Reading accounts for the console: the filtered list of users."""

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from supporters.models import Role, Supporter, User


@dataclass(frozen=True)
class AccountFilters:
    """What the admin filtered the list by; empty strings mean "any"."""

    q: str = ""
    role: str = ""
    state: str = ""


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def account_list_statement(filters: AccountFilters) -> Select:
    """The SELECT for the account list, by name; with each supporter's record loaded."""
    # Joined, not select-in: one statement whether or not the page holds a supporter's account.
    # Only the supporter's status: the list shows whether the account may sign in (standing.py).
    stmt = select(User).options(joinedload(User.supporter).load_only(Supporter.status))
    if filters.q.strip():
        pattern = f"%{_escape_like(filters.q.strip().lower())}%"
        stmt = stmt.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    if filters.role in {r.value for r in Role}:
        stmt = stmt.where(User.role == Role(filters.role))
    if filters.state == "active":
        stmt = stmt.where(User.active.is_(True))
    elif filters.state == "deactivated":
        stmt = stmt.where(User.active.is_(False))
    return stmt.order_by(User.name, User.id)
