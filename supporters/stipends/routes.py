"""The stipend console: the fiscal year against its budget, a month's close, lines and
adjustments, re-opening (admins), and the dated rule and budget settings."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_currency, pgettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from supporters.access import can_change_stipends, stipend_settings_required, stipends_required
from supporters.clock import fiscal_year, today_jst
from supporters.extensions import db
from supporters.models import MonthStatus, StipendLineKind, Supporter
from supporters.refusals import Refused, form_status, show_on_form
from supporters.stipends import adjustments, close, queries, settings
from supporters.stipends.forms import (
    RULE_LABELS,
    AdjustmentForm,
    BudgetForm,
    CloseForm,
    ReopenForm,
    RuleForm,
)
from supporters.stipends.months import current_month, month_text
from supporters.wareki import month_label

bp = Blueprint("stipends", __name__, url_prefix="/stipends")


@bp.context_processor
def stipend_helpers():
    return {
        "yen": lambda amount: format_currency(amount, "JPY"),
        "month_text": month_text,
        "RULE_LABELS": RULE_LABELS,
        "STATUS_LABELS": {
            "closed": pgettext("stipend month", "Closed"),
            "reopened": _("Re-opened"),
            "open": _("Open"),
            "future": _("Not yet"),
        },
        "LINE_LABELS": {
            StipendLineKind.REGULAR: _("Monthly stipend"),
            StipendLineKind.ADJUSTMENT: _("Adjustment"),
        },
    }


@bp.get("/")
@stipends_required
def index():
    """The fiscal year's months: status, booked and paid totals, against the budget."""
    year = request.args.get("fy", type=int) or fiscal_year(today_jst())
    if not 2000 <= year <= 2100:
        abort(404)
    return render_template("stipends/index.html", view=queries.fiscal_year_view(year))


def _supporter_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Supporter.id, Supporter.display_name, Supporter.certificate_number)
        .where(Supporter.certified_on.is_not(None))
        .order_by(Supporter.display_name)
    )
    return [(sid, f"{name} ({number or '-'})") for sid, name, number in rows]


def _cannot_pay(month, preview) -> list[tuple[int, str, str]]:
    """Who is due for ``month`` but cannot be paid by transfer: (id, name, why)."""
    from supporters.payments.exports import unpayable_of

    why = {
        close.NO_BANK_DETAILS: _("No bank details"),
        close.HOLDER_NOT_KANA: _("Account holder's name is not in half-width kana"),
    }
    if preview is None:
        return [(sid, name, why[problem]) for sid, name, problem in unpayable_of(month)]
    if month >= current_month():
        return []
    return [(row.supporter_id, row.name, why[row.problem]) for row in preview.unpayable]


def _month_page(month, status=200, adjustment_form=None, reopen_form=None):
    adjustment_form = adjustment_form or AdjustmentForm(formdata=None)
    adjustment_form.supporter_id.choices = _supporter_choices()
    record = queries.month_record(month)
    is_open = record is None or record.status == MonthStatus.REOPENED
    rule = settings.rule_for(month)
    # An open month that is over: what a close would write, and who it could not pay.
    preview = (
        close.close_preview(month, count_logs=False, never_closed=record is None, rule=rule)
        if is_open
        else None
    )
    return (
        render_template(
            "stipends/month.html",
            month=month,
            record=record,
            is_open=is_open,
            over=month < current_month(),
            rule=rule,
            preview=preview,
            lines=queries.month_lines(month),
            totals=queries.totals_by_month(month, month).get(month, queries.MonthTotals()),
            events=queries.month_events(month),
            cannot_pay=_cannot_pay(month, preview),
            reopen_form=reopen_form or ReopenForm(formdata=None),
            adjustment_form=adjustment_form,
            can_reopen=can_change_stipends(current_user),
            fy=fiscal_year(month),
        ),
        status,
    )


@bp.get("/<month:month>")
@stipends_required
def month(month):
    """A month: its lines and totals; the close button while it is open."""
    return _month_page(month)


def _close_page(month, form=None, status=200):
    """The close preview: who is paid how much, who cannot be paid and why, what gets locked."""
    form = form or CloseForm(formdata=None)
    preview = close.close_preview(month)
    form.token.data = preview.token
    return (
        render_template(
            "stipends/close.html",
            month=month,
            preview=preview,
            form=form,
            reasons={
                close.NO_BANK_DETAILS: _("No bank details"),
                close.HOLDER_NOT_KANA: _("Account holder's name is not in half-width kana"),
            },
            fy=fiscal_year(month),
        ),
        status,
    )


def _closed_already(month) -> bool:
    record = queries.month_record(month)
    return record is not None and record.status == MonthStatus.CLOSED


@bp.get("/<month:month>/close")
@stipends_required
def close_preview(month):
    """The preview of a close, with the confirmation box (nothing changes here)."""
    if _closed_already(month):
        flash(_("%(month)s was already closed; nothing changed.", month=month_text(month)), "ok")
        return redirect(url_for("stipends.month", month=month))
    if month >= current_month():
        abort(404)
    return _close_page(month)


@bp.post("/<month:month>/close")
@stipends_required
def close_month(month):
    """Close the month as confirmed on its preview: lines written, case log locked.

    A close without the preview's token, with a stale one, or without the box ticked is
    refused and the (new) preview is shown again.
    """
    form = CloseForm()
    if not form.validate_on_submit():
        abort(400)
    if _closed_already(month):
        flash(_("%(month)s was already closed; nothing changed.", month=month_text(month)), "ok")
        return redirect(url_for("stipends.month", month=month))
    try:
        result = close.confirm_close(
            month, form.token.data or None, bool(form.confirm.data), current_user
        )
    except Refused as refusal:
        if month >= current_month():
            flash(str(refusal.message), "error")
            return _month_page(month, 409)
        if refusal.fields:
            show_on_form(form, refusal)
        else:
            flash(str(refusal.message), "error")
        return _close_page(month, form, 422 if refusal.is_about_input else 409)
    if result.already_closed:
        flash(_("%(month)s was already closed; nothing changed.", month=month_text(month)), "ok")
    else:
        flash(
            _(
                "%(month)s is closed: %(count)d stipend line(s) added.",
                month=month_text(month),
                count=result.lines_added,
            ),
            "ok",
        )
    if result.unbacked:
        flash(
            _(
                "%(count)d supporter(s) have a line the rule no longer backs; "
                "correct them with an adjustment if needed.",
                count=len(result.unbacked),
            ),
            "error",
        )
    return redirect(url_for("stipends.month", month=month))


@bp.post("/<month:month>/reopen")
@stipend_settings_required
def reopen(month):
    """Re-open a closed month, with a reason (admins only)."""
    form = ReopenForm()
    if not form.validate_on_submit():
        return _month_page(month, form_status(form), reopen_form=form)
    try:
        close.reopen_month(month, form.reason.data or "", current_user)
    except Refused as refusal:
        show_on_form(form, refusal)
        status = form_status(form) if refusal.is_about_input else 409
        return _month_page(month, status, reopen_form=form)
    flash(_("%(month)s is re-opened.", month=month_label(month)), "ok")
    return redirect(url_for("stipends.month", month=month))


@bp.post("/<month:month>/adjustments")
@stipends_required
def add_adjustment(month):
    """Book a signed adjustment with a reason in this month."""
    form = AdjustmentForm()
    form.supporter_id.choices = _supporter_choices()
    if not form.validate_on_submit():
        return _month_page(month, form_status(form), adjustment_form=form)
    draft = adjustments.AdjustmentDraft(
        supporter_id=form.supporter_id.data,
        concerns_month=form.concerns_month.data,
        amount_yen=form.amount_yen.data,
        reason=form.reason.data or "",
    )
    try:
        line = adjustments.add_adjustment(month, draft, current_user)
    except Refused as refusal:
        show_on_form(form, refusal)
        return _month_page(month, form_status(form), adjustment_form=form)
    flash(_("Adjustment added for %(name)s.", name=line.supporter.display_name), "ok")
    return redirect(url_for("stipends.month", month=month))


def _settings_page(status=200, rule_form=None, budget_form=None):
    budget_form = budget_form or BudgetForm(formdata=None)
    if budget_form.fiscal_year.data is None:
        budget_form.fiscal_year.data = fiscal_year(today_jst())
    return (
        render_template(
            "stipends/settings.html",
            rules=settings.rules(),
            default=settings.default_rule(),
            rule_form=rule_form or RuleForm(formdata=None),
            budget_form=budget_form,
            budget=settings.budget_for(budget_form.fiscal_year.data),
            can_change=can_change_stipends(current_user),
        ),
        status,
    )


@bp.get("/settings")
@stipends_required
def settings_page():
    """The stipend rule in force from each month, and the yearly budget."""
    return _settings_page()


@bp.post("/settings/rule")
@stipend_settings_required
def set_rule():
    """Record a rule from a given month on (admins only)."""
    form = RuleForm()
    if not form.validate_on_submit():
        return _settings_page(form_status(form), rule_form=form)
    draft = settings.RuleDraft(
        effective_from=form.effective_from.data,
        kind=form.kind.data,
        amount_yen=form.amount_yen.data,
        note=form.note.data or "",
    )
    try:
        settings.set_rule(draft, current_user)
    except Refused as refusal:
        show_on_form(form, refusal)
        return _settings_page(form_status(form), rule_form=form)
    flash(_("The rule is recorded."), "ok")
    return redirect(url_for("stipends.settings_page"))


@bp.post("/settings/budget")
@stipend_settings_required
def set_budget():
    """Set a fiscal year's budget (admins only)."""
    form = BudgetForm()
    if not form.validate_on_submit():
        return _settings_page(form_status(form), budget_form=form)
    draft = settings.BudgetDraft(
        fiscal_year=form.fiscal_year.data,
        amount_yen=form.amount_yen.data,
        note=form.note.data or "",
    )
    try:
        settings.set_budget(draft, current_user)
    except Refused as refusal:
        show_on_form(form, refusal)
        return _settings_page(form_status(form), budget_form=form)
    flash(_("The budget is saved."), "ok")
    return redirect(url_for("stipends.index", fy=form.fiscal_year.data))
