"""A supporter's view of their own record."""

from flask import Blueprint, abort, render_template
from flask_login import current_user

from supporters.access import supporter_required
from supporters.registry.labels import LEVEL_LABELS, MODE_LABELS, STATUS_LABELS

bp = Blueprint("portal", __name__, url_prefix="/me")


@bp.get("/")
@supporter_required
def me():
    """The signed-in supporter's profile and status."""
    supporter = current_user.supporter
    if supporter is None:  # an account not (yet) linked to a supporter record
        abort(404)
    return render_template(
        "portal/me.html",
        supporter=supporter,
        STATUS_LABELS=STATUS_LABELS,
        LEVEL_LABELS=LEVEL_LABELS,
        MODE_LABELS=MODE_LABELS,
    )
