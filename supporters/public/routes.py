"""The residents' request form and its confirmation page, under /help/.

The page's language comes from ``?lang=`` → cookie → Accept-Language → Japanese
(``i18n.public_locale``); every response here, errors included, is in that language.
"""

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from supporters.access import wants_json
from supporters.extensions import db, limiter
from supporters.help_requests.errors import RequestError
from supporters.help_requests.intake import ConsentGiven, take_request
from supporters.i18n import LOCALE_COOKIE, PUBLIC_LOCALES, match_public_locale, public_locale
from supporters.models import ConsentChannel
from supporters.public.forms import HelpRequestForm

bp = Blueprint("public", __name__, url_prefix="/help")

SESSION_KEY = "public_reference"
# Defaults for settings that config.py may provide (PROGRAMME_CONTACT_PHONE is shown only if set).
DEFAULTS = {"PROGRAMME_CONTACT_PHONE": "", "PUBLIC_REPLY_WORKING_DAYS": 2}


def setting(name: str):
    """A public-page setting from the app's config, else this module's default."""
    return current_app.config.get(name, DEFAULTS[name])


def _request_limit() -> str:
    return current_app.config["PUBLIC_REQUEST_RATE_LIMIT"]


def _stored(response) -> bool:
    """Only requests actually taken count against the limit, so typing mistakes cost nothing."""
    return response.status_code == 302


@bp.context_processor
def public_context():
    """The page's language, the switcher's languages and the public settings."""
    return {
        "page_locale": public_locale(),
        "public_locales": PUBLIC_LOCALES,
        "contact_phone": setting("PROGRAMME_CONTACT_PHONE"),
        "reply_days": setting("PUBLIC_REPLY_WORKING_DAYS"),
    }


@bp.after_request
def _remember_language_and_never_cache(response):
    """Remember an explicit ``?lang=`` in the cookie; never cache (pages carry personal data)."""
    chosen = match_public_locale(request.args.get("lang"))
    if request.method == "GET" and chosen is not None:
        response.set_cookie(
            LOCALE_COOKIE,
            chosen.code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/", methods=["GET", "POST"])
@limiter.limit(_request_limit, methods=["POST"], deduct_when=_stored)
def request_form():
    """Show the form; on a valid POST record consent and the request, then go to /help/sent."""
    locale = public_locale()
    form = HelpRequestForm(ui_code=locale.code)
    problem = None
    if form.validate_on_submit():
        consent = ConsentGiven(
            notice_version=current_app.config["PRIVACY_NOTICE_VERSION"],
            language_shown=locale.code,
            channel=ConsentChannel.WEB_FORM,
        )
        try:
            help_request = take_request(form.to_draft(), consent, by=None)
        except RequestError as error:
            db.session.rollback()  # the page is a 200: nothing half-written may be committed
            problem = None if error.fields else error.message  # fields speak for themselves
            for name, message in error.fields.items():
                field = getattr(form, HelpRequestForm.SERVICE_FIELDS.get(name, ""), None)
                if field is not None:
                    field.errors = [*field.errors, message]
        else:
            session[SESSION_KEY] = help_request.reference
            return redirect(url_for("public.sent", lang=locale.code))
    return render_template("public/request.html", form=form, problem=problem)


@bp.get("/sent")
def sent():
    """The reference number and what happens next (after the redirect, so a reload is safe)."""
    reference = session.get(SESSION_KEY)
    if not reference:
        return redirect(url_for("public.request_form"))
    return render_template("public/sent.html", reference=reference)


@bp.errorhandler(429)
def too_many_requests(error):
    """The rate limit, explained in the resident's language."""
    message = _("You have sent several requests from this connection. Please try again later.")
    if wants_json():
        return _json_error(429, "too_many_requests", message)
    return render_template("public/limited.html", message=message), 429


@bp.errorhandler(CSRFError)
def form_expired(error):
    """An expired or missing form token: show the form again with what was typed, to resend."""
    message = _("The form had expired. Please check your answers and send it again.")
    if wants_json():
        return _json_error(400, "csrf", message)
    form = HelpRequestForm(ui_code=public_locale().code)
    return render_template("public/request.html", form=form, problem=message), 400


def _json_error(status: int, code: str, message: str):
    response = jsonify({"error": {"code": code, "message": message, "fields": {}}})
    response.status_code = status
    return response
