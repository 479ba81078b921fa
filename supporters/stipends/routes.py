"""The stipend console: the fiscal year against its budget, a month's close, lines and
adjustments, re-opening (admins), and the dated rule and budget settings."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_currency
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

bp = Blueprint("stipends", __name__, url_prefix="/stipends")


@bp.context_processor
def stipend_helpers():
    return {
        "yen": lambda amount: format_currency(amount, "JPY"),
        "month_text": month_text,
        "RULE_LABELS": RULE_LABELS,
        "STATUS_LABELS": {
            "closed": _("Closed"),
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


def _month_page(month, status=200, adjustment_form=None, reopen_form=None):
    adjustment_form = adjustment_form or AdjustmentForm(formdata=None)
    adjustment_form.supporter_id.choices = _supporter_choices()
    record = queries.month_record(month)
    is_open = record is None or record.status == MonthStatus.REOPENED
    return (
        render_template(
            "stipends/month.html",
            month=month,
            record=record,
            is_open=is_open,
            over=month < current_month(),
            rule=settings.rule_for(month),
            preview=queries.preview(month) if is_open else None,
            lines=queries.month_lines(month),
            totals=queries.totals_by_month(month, month).get(month, queries.MonthTotals()),
            events=queries.month_events(month),
            close_form=CloseForm(formdata=None),
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


@bp.post("/<month:month>/close")
@stipends_required
def close_month(month):
    """Close the month (idempotent): one line per eligible supporter, case log locked."""
    if not CloseForm().validate_on_submit():
        abort(400)
    try:
        result = close.close_month(month, current_user)
    except Refused as refusal:
        flash(str(refusal.message), "error")
        return _month_page(month, 409)
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
    flash(_("%(month)s is re-opened.", month=month_text(month)), "ok")
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
