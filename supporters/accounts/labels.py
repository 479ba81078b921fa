"""Translatable labels of the accounts console and the API tokens page."""

from flask_babel import lazy_gettext as _l

from supporters.models import Role

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.MUNICIPAL_OFFICER: _l("Municipal officer"),
    Role.OFFICIAL: _l("Official (figures only)"),
    # Translators: a "supporter" is a certified volunteer who speaks a foreign resident's native
    # language and helps them (Japanese サポーター). Not a fan or sponsor.
    Role.SUPPORTER: _l("Supporter"),
    Role.NATIONAL_ADMIN: _l("National administrator"),
}
# The account list's filter: an admin's own switch (User.active).
STATE_LABELS = {"active": _l("Active"), "deactivated": _l("Deactivated")}
# Why an account cannot be used now (accounts.standing codes), short, for lists.
STANDING_LABELS = {
    "deactivated": _l("Deactivated"),
    "supporter_suspended": _l("Supporter suspended"),
    "supporter_retired": _l("Supporter retired"),
}
# An API token's state (ApiToken.state); the owner sees these too, in their language.
TOKEN_STATE_LABELS = {
    "live": _l("Valid"),
    "expired": _l("Expired"),
    "revoked": _l("Revoked"),
}
