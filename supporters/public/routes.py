"""The residents' request form and its confirmation page, under /help/.

The page's language comes from ``?lang=`` → cookie → Accept-Language → Japanese
(``i18n.public_locale``); every response here, errors included, is in that language.

Abuse (docs/decisions.md): sending is limited per address and per network; a submission caught by
a bot trap (``abuse.trap``) gets the same redirect as a real one and is not stored; past the daily
ceiling (``ceiling``) residents are asked to phone and the coordinators are alerted.
"""

from datetime import datetime, timedelta

from flask import (
    Blueprint,
    current_app,
    get_flashed_messages,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from supporters.access import wants_json
from supporters.clock import JST
from supporters.extensions import db, limiter
from supporters.help_requests import intake
from supporters.help_requests.intake import ConsentGiven, take_request
from supporters.i18n import LOCALE_COOKIE, PUBLIC_LOCALES, match_public_locale, public_locale
from supporters.models import ConsentChannel, HelpRequest
from supporters.programme.settings import current as programme_settings
from supporters.public import abuse, ceiling, programmes
from supporters.public.forms import HelpRequestForm
from supporters.refusals import Refused, form_status, show_on_form

bp = Blueprint("public", __name__, url_prefix="/help")

SESSION_KEY = "public_reference"
RECEIVED_KEY = "public_received"  # a submission taken for a bot: thanked, never stored
# Defaults for settings that config.py may provide. The phone and e-mail residents are given
# are the programme's (its settings page); the phone is shown only if set.
DEFAULTS = {"PUBLIC_REPLY_WORKING_DAYS": 2}


def setting(name: str):
    """A public-page setting from the app's config, else this module's default."""
    return current_app.config.get(name, DEFAULTS[name])


def _address_limit() -> str:
    return current_app.config["PUBLIC_REQUEST_RATE_LIMIT"]


def _network_limit() -> str:
    return current_app.config["PUBLIC_NETWORK_RATE_LIMIT"]


def _counted(response) -> bool:
    """Requests taken, and bots' submissions, count against the limits; typing mistakes do not."""
    return response.status_code == 302


@bp.context_processor
def public_context():
    """The page's language, the switcher's languages and the public settings."""
    return {
        "page_locale": public_locale(),
        "public_locales": PUBLIC_LOCALES,
        "contact_phone": programme_settings().contact_phone,
        "contact_email": programme_settings().contact_email,
        "reply_days": setting("PUBLIC_REPLY_WORKING_DAYS"),
    }


@bp.before_request
def _programme_of_the_form():
    """With several programmes, the form is the one its address names (``?programme=10``);
    the form itself without one asks where the resident lives (public/programmes.py)."""
    if not programmes.several():
        return None
    if programmes.choose(request.args.get(programmes.PARAMETER)):
        return None
    if request.endpoint == "public.request_form":
        # No programme yet: neither one's name nor its office is shown (which would they be?).
        choices = programmes.choices()
        page = render_template("public/choose.html", choices=choices, choosing_programme=True)
        return page, 200 if request.method == "GET" else 422
    return None


@bp.url_defaults
def _keep_programme(_endpoint, values):
    programmes.keep_programme(values)


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
@limiter.limit(_address_limit, key_func=abuse.address_key, methods=["POST"], deduct_when=_counted)
@limiter.limit(_network_limit, key_func=abuse.network_key, methods=["POST"], deduct_when=_counted)
def request_form():
    """Show the form; on a valid POST record consent and the request, then go to /help/sent."""
    locale = public_locale()
    if request.method == "GET" and ceiling.is_full():
        return _closed(answers_lost=False)
    form = HelpRequestForm(ui_code=locale.code)
    reason = abuse.trap(request.form) if form.is_submitted() else None
    if reason:
        ceiling.count_trap(reason, abuse.network())
        session.pop(SESSION_KEY, None)
        session[RECEIVED_KEY] = True
        return redirect(url_for("public.sent", lang=locale.code))  # as if it had been taken
    if form.validate_on_submit():
        consent = ConsentGiven(
            notice_version=current_app.config["PRIVACY_NOTICE_VERSION"],
            language_shown=locale.code,
            channel=ConsentChannel.WEB_FORM,
            agreed=form.consent.data,
        )
        draft = form.to_draft()
        try:
            intake.check(draft, consent)  # a mistake is shown before the day's ceiling is asked
            if not ceiling.claim_place():
                ceiling.count_refusal()
                db.session.commit()  # the answer is a 429, which rolls back: keep count and alert
                return _closed(answers_lost=True)
            help_request = take_request(draft, consent, by=None)
        except Refused as refusal:  # answered 422: the request's transaction is rolled back
            show_on_form(form, refusal, HelpRequestForm.SERVICE_FIELDS)
        else:
            session.pop(RECEIVED_KEY, None)
            session[SESSION_KEY] = help_request.reference
            return redirect(url_for("public.sent", lang=locale.code))
    # A message for no field of this form is shown on top (public pages do not show flashes).
    problem = " ".join(get_flashed_messages(category_filter=["error"])) or None
    page = render_template("public/request.html", form=form, problem=problem)
    return page, form_status(form)


@bp.get("/sent")
def sent():
    """The reference number and what happens next (after the redirect, so a reload is safe)."""
    reference = session.get(SESSION_KEY)
    if reference:
        contact = db.session.scalar(
            select(HelpRequest.requester_contact).where(HelpRequest.reference == reference)
        )
        return render_template("public/sent.html", reference=reference, contact=contact)
    if session.get(RECEIVED_KEY):
        return render_template("public/received.html")
    return redirect(url_for("public.request_form"))


def _closed(answers_lost: bool):
    """The day's ceiling is reached: the form is closed until midnight (Japan time); phone us.

    Shown instead of the form (200), or instead of storing a filled-in one (429, Retry-After).
    """
    message = _(
        "We have received many requests today, so the form cannot take more until tomorrow "
        "(Japan time)."
    )
    if wants_json():
        response = _json_error(429, "closed_for_today", message)
    else:
        page = render_template(
            "public/limited.html",
            title=_("The form is closed for today"),
            message=message,
            answers_lost=answers_lost,
            call_instead=True,
        )
        response = make_response(page, 429 if answers_lost else 200)
    if response.status_code == 429:
        response.headers["Retry-After"] = str(_seconds_until_tomorrow())
    return response


def _seconds_until_tomorrow() -> int:
    now = datetime.now(JST)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), JST)
    return max(int((midnight - now).total_seconds()), 1)


@bp.errorhandler(429)
def too_many_requests(error):
    """A rate limit (this address, or this network), explained in the resident's language."""
    if getattr(getattr(error, "limit", None), "key_func", None) is abuse.network_key:
        message = _(
            "Many requests have been sent recently from your network (for example the same "
            "Wi-Fi or mobile phone company). Please try again later."
        )
    else:
        message = _("You have sent several requests from this connection. Please try again later.")
    if wants_json():
        return _json_error(429, "too_many_requests", message)
    page = render_template(
        "public/limited.html", title=_("Please wait"), message=message, answers_lost=True
    )
    return page, 429


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
