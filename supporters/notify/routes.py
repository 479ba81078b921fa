"""The in-app notification list: GET shows it (and never writes), POST marks it read."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from supporters.notify.inbox import mark_read, recent
from supporters.notify.messages import kind_title

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def index():
    """The latest notifications, unread ones marked, each linking to where to look."""
    return render_template(
        "notifications/index.html", items=recent(current_user, limit=50), kind_title=kind_title
    )


@bp.post("/read")
@login_required
def read():
    """Mark every notification read, then go back to the list."""
    mark_read(current_user)
    return redirect(url_for("notifications.index"))
