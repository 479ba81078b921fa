"""Whether an account may be used right now — the one rule sign-in, sessions and tokens share.

An account is usable while an admin has not deactivated it (``User.active``) and, for a
supporter's account, while the supporter is an applicant or certified. A suspended or retired
supporter (a lapse retires) cannot sign in, keep a session, or use an API token; reinstating
the supporter gives the account back (with a new sign-in: their sessions were ended).
"""

from flask_babel import lazy_gettext as _l

from supporters.access import is_supporter_account
from supporters.models import SupporterStatus, User

# Refusal codes → the words shown to the person (rendered in their language).
REFUSALS = {
    "deactivated": _l(
        "This account has been deactivated. Please contact the programme's coordinators."
    ),
    "supporter_suspended": _l(
        "Your supporter registration is suspended, so you cannot sign in for now. "
        "Please contact your coordinator."
    ),
    "supporter_retired": _l(
        "Your supporter registration has ended, so this account can no longer be used. "
        "Please contact your coordinator if you would like to return."
    ),
}

USABLE_SUPPORTER_STATUSES = (SupporterStatus.APPLICANT, SupporterStatus.CERTIFIED)


def refusal(user: User) -> str | None:
    """The code of why ``user`` may not use the app now, or None when the account is usable."""
    if not user.active:
        return "deactivated"
    if is_supporter_account(user) and user.supporter is not None:
        status = user.supporter.status
        if status == SupporterStatus.SUSPENDED:
            return "supporter_suspended"
        if status == SupporterStatus.RETIRED:
            return "supporter_retired"
    return None


def is_usable(user: User) -> bool:
    """True while ``user`` may sign in, keep a session and use API tokens."""
    return refusal(user) is None


def refusal_message(code: str) -> str:
    """The refusal rendered in the current locale."""
    return str(REFUSALS[code])
