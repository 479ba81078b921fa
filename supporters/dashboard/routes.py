"""Dashboard view."""

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from supporters.access import console_required
from supporters.models import Role
from supporters.roster import roster_summary

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("/")
@console_required
def index():
    """Certified supporters against target, languages covered, municipalities reached."""
    scope = (
        frozenset(current_user.municipality_codes)
        if current_user.role == Role.MUNICIPAL_OFFICER
        else frozenset()
    )
    summary = roster_summary(
        target=current_app.config["TARGET_SUPPORTERS"],
        target_fiscal_year=current_app.config["TARGET_FISCAL_YEAR"],
        scope=scope,
    )
    return render_template("dashboard/index.html", summary=summary)
