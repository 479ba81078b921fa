"""The admins' accounts console (/accounts/) and everyone's own API tokens (/account/tokens).

Thin views: forms parse, :mod:`supporters.accounts.service` writes (and audits), the request
commits once. The console is for administrators only; the tokens page is for anyone signed in,
about their own tokens.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from supporters.access import admin_required, is_supporter_account, signed_in_required
from supporters.accounts import service
from supporters.accounts.forms import (
    AccountFilterForm,
    NewTokenForm,
    ReasonForm,
    SessionForm,
    TokenForm,
)
from supporters.accounts.labels import (
    ROLE_LABELS,
    STANDING_LABELS,
    STATE_LABELS,
    TOKEN_STATE_LABELS,
)
from supporters.accounts.queries import AccountFilters, account_list_statement
from supporters.accounts.standing import refusal, refusal_message
from supporters.api.tokens import tokens_of
from supporters.auth.forms import PostForm
from supporters.auth.sessions import END_REASONS, current_session, live_sessions
from supporters.clock import utcnow
from supporters.extensions import db
from supporters.i18n import translated_labels
from supporters.models import User
from supporters.pagination import paginate
from supporters.refusals import Refused, form_status, show_on_form
from supporters.registry.labels import STATUS_LABELS

bp = Blueprint("accounts", __name__)


@bp.context_processor
def labels():
    return {
        "ROLE_LABELS": translated_labels(ROLE_LABELS),
        "STATE_LABELS": translated_labels(STATE_LABELS),
        "STANDING_LABELS": translated_labels(STANDING_LABELS),
        "TOKEN_STATE_LABELS": translated_labels(TOKEN_STATE_LABELS),
        "SUPPORTER_STATUS_LABELS": translated_labels(STATUS_LABELS),
        "END_REASONS": END_REASONS,
        "standing": refusal,
    }


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


# --- The console ----------------------------------------------------------------------------------


@bp.get("/accounts/")
@admin_required
def index():
    """Every account, filtered by role, active or deactivated, and name or e-mail."""
    form = AccountFilterForm(request.args)
    form.validate()
    filters = AccountFilters(
        q=form.q.data or "", role=form.role.data or "", state=form.state.data or ""
    )
    page = paginate(account_list_statement(filters))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("accounts/index.html", form=form, page=page, args=args)


@bp.get("/accounts/<int:user_id>")
@admin_required
def detail(user_id: int):
    """One account: role, supporter status, live sessions and API tokens, with their actions."""
    user = _user_or_404(user_id)
    return render_template(
        "accounts/detail.html",
        user=user,
        refused=refusal(user),
        sessions=live_sessions(user),
        tokens=tokens_of(user),
        session_form=SessionForm(formdata=None),
        post_form=PostForm(formdata=None),
        revoke_form=TokenForm(formdata=None),
        now=utcnow(),
        this_session=current_session(),
    )


@bp.post("/accounts/<int:user_id>/sessions/end")
@admin_required
def end_session(user_id: int):
    """End one of the user's sessions: that browser is signed out on its next request."""
    user = _user_or_404(user_id)
    form = SessionForm()
    number = form.session_number() if form.validate_on_submit() else None
    if number is None:
        abort(422)
    try:
        service.end_session(user, number, current_user)
    except Refused as error:
        show_on_form(form, error)
    else:
        flash(_("The session was ended."), "ok")
    return redirect(url_for("accounts.detail", user_id=user.id))


@bp.post("/accounts/<int:user_id>/sessions/end-all")
@admin_required
def end_all_sessions(user_id: int):
    """End every session of the user (e.g. a lost phone): they sign in again everywhere."""
    user = _user_or_404(user_id)
    if not PostForm().validate_on_submit():
        abort(400)
    ended = service.end_all_sessions(user, current_user)
    flash(_("Sessions ended: %(num)d.", num=ended), "ok")
    return redirect(url_for("accounts.detail", user_id=user.id))


@bp.post("/accounts/<int:user_id>/tokens/revoke")
@admin_required
def revoke_token(user_id: int):
    """Revoke one of the user's API tokens."""
    user = _user_or_404(user_id)
    form = TokenForm()
    number = form.token_number() if form.validate_on_submit() else None
    if number is None:
        abort(422)
    try:
        row = service.revoke_token(user, number, current_user)
    except Refused as error:
        show_on_form(form, error)
    else:
        flash(_("The token %(prefix)s… was revoked.", prefix=row.prefix), "ok")
    return redirect(url_for("accounts.detail", user_id=user.id))


@bp.route("/accounts/<int:user_id>/deactivate", methods=["GET", "POST"])
@admin_required
def deactivate(user_id: int):
    """Deactivate the account, with a reason: sign-in, sessions and tokens stop at once."""
    user = _user_or_404(user_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            closed = service.deactivate(user, form.reason.data, current_user)
        except Refused as error:
            show_on_form(form, error)
        else:
            flash(
                _(
                    "The account was deactivated: %(sessions)d sessions ended, %(tokens)d "
                    "API tokens revoked, %(offers)d open offers withdrawn.",
                    sessions=closed.sessions,
                    tokens=closed.tokens,
                    offers=closed.offers,
                ),
                "ok",
            )
            return redirect(url_for("accounts.detail", user_id=user.id))
    return render_template(
        "accounts/reason.html", form=form, user=user, action="deactivate"
    ), form_status(form)


@bp.route("/accounts/<int:user_id>/activate", methods=["GET", "POST"])
@admin_required
def activate(user_id: int):
    """Reactivate a deactivated account, with a reason; its owner signs in again."""
    user = _user_or_404(user_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            service.activate(user, form.reason.data, current_user)
        except Refused as error:
            show_on_form(form, error)
        else:
            flash(_("The account was reactivated. Its owner can sign in again."), "ok")
            still = refusal(user)
            if still is not None:
                flash(refusal_message(still), "error")
            return redirect(url_for("accounts.detail", user_id=user.id))
    return render_template(
        "accounts/reason.html", form=form, user=user, action="activate"
    ), form_status(form)


# --- Everyone's own API tokens --------------------------------------------------------------------


def _own_tokens_page(form: NewTokenForm, new_token: str | None = None, status: int = 200):
    return render_template(
        "accounts/tokens.html",
        tokens=tokens_of(current_user),
        form=form,
        revoke_form=TokenForm(formdata=None),
        new_token=new_token,
        now=utcnow(),
        portal=is_supporter_account(current_user),
    ), status


@bp.get("/account/tokens")
@signed_in_required
def tokens():
    """The signed-in person's API tokens (live and past), and a form to make one."""
    return _own_tokens_page(NewTokenForm(formdata=None))


@bp.post("/account/tokens")
@signed_in_required
def create_token():
    """Make a token; it is shown on this page once, never again."""
    form = NewTokenForm()
    if not form.validate_on_submit():
        return _own_tokens_page(form, status=form_status(form))
    try:
        _row, token = service.issue_own_token(current_user, form.draft())
    except Refused as error:
        show_on_form(form, error)
        return _own_tokens_page(form, status=form_status(form))
    return _own_tokens_page(NewTokenForm(formdata=None), new_token=token)


@bp.post("/account/tokens/revoke")
@signed_in_required
def revoke_own_token():
    """Revoke one of one's own tokens (someone else's id is "not found")."""
    form = TokenForm()
    number = form.token_number() if form.validate_on_submit() else None
    if number is None:
        abort(422)
    try:
        row = service.revoke_token(current_user, number, current_user)
    except Refused as error:
        show_on_form(form, error)
    else:
        flash(_("The token %(prefix)s… was revoked.", prefix=row.prefix), "ok")
    return redirect(url_for("accounts.tokens"))
