"""The console's "Channels" page (admins): is each channel configured, and is it working."""

from flask import Blueprint, render_template
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from supporters.access import admin_required
from supporters.channel_status import status

bp = Blueprint("channels", __name__, url_prefix="/channels")

CHANNEL_LABELS = {
    "email": _l("E-mail"),
    "line": "LINE",
    "webpush": _l("Web Push"),
    "sms": "SMS",
}
STATE_LABELS = {
    status.OFF: _l("Off (not configured)"),
    status.PROBLEM: _l("A setting is wrong"),
    status.FAILING: _l("The last attempt failed"),
    status.WORKING: _l("Working"),
    status.UNUSED: _l("Configured, nothing sent yet"),
}
STATE_BADGES = {
    status.OFF: "badge-retired",
    status.PROBLEM: "badge-unfilled",
    status.FAILING: "badge-unfilled",
    status.WORKING: "badge-certified",
    status.UNUSED: "badge-applicant",
}
PROBLEM_LABELS = {
    "vapid_key": _l("VAPID_PRIVATE_KEY is not a valid key (make one with “flask webpush keys”)."),
    "vapid_subject": _l("VAPID_SUBJECT must start with mailto: or https://."),
    "sms_url": _l("SMS_GATEWAY_URL must be an http or https address."),
    "sms_token": _l("SMS_GATEWAY_TOKEN is not set."),
}


@bp.get("/")
@admin_required
def index():
    """Each channel's settings (set or not, never their values), state, reach and figures."""
    return render_template(
        "channels/index.html",
        channels=status.overview(),
        line=status.line_usage(),
        channel_labels=CHANNEL_LABELS,
        state_labels=STATE_LABELS,
        state_badges=STATE_BADGES,
        problem_labels=PROBLEM_LABELS,
        when=lambda value: format_datetime(value, "short") if value is not None else "—",
    )
