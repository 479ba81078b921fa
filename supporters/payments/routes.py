"""Views of the payments area: a month's transfer run, its files, and supporters' bank details."""

from datetime import date

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from supporters import tenancy
from supporters.access import coordinator_required, supporter_or_404
from supporters.audit import record_read
from supporters.auth.forms import PostForm
from supporters.extensions import db
from supporters.models.stipend import BankAccount, StipendLine, StipendMonth
from supporters.payments import exports, operations, zengin
from supporters.payments.forms import (
    ACCOUNT_TYPE_LABELS,
    BankAccountForm,
    RecordTransferForm,
    TransferDateForm,
    default_transfer_date,
)
from supporters.programme.settings import current as programme_settings
from supporters.refusals import Refused, form_status, show_on_form
from supporters.stipends.months import month_text
from supporters.wareki import date_label

bp = Blueprint("payments", __name__, url_prefix="/payments")

MONTH = "<month:month>"  # 2026-10 in the URL, date(2026, 10, 1) in the view


def _consignor() -> zengin.Consignor | None:
    """The payer settings, or None (with the reason flashed) when they are wrong."""
    try:
        return zengin.consignor_of(programme_settings().payer)
    except Refused as refusal:
        problem = str(refusal.message)
        flash(_("The bank transfer settings are wrong: %(problem)s", problem=problem), "error")
        return None


@bp.app_context_processor
def bank_helpers():
    """For the supporter page: "Bank details: ****123" or "not paid by transfer"."""
    return {"bank_account_of": lambda supporter_id: db.session.get(BankAccount, supporter_id)}


@bp.get("/")
@coordinator_required
def index():
    """Closed months, what each still has to pay, and what was transferred."""
    pending = dict(
        db.session.execute(
            select(StipendLine.month, func.sum(StipendLine.amount_yen))
            .where(StipendLine.payment_id.is_(None))
            .group_by(StipendLine.month)
        ).all()
    )
    months = db.session.scalars(select(StipendMonth).order_by(StipendMonth.month.desc()))
    return render_template(
        "payments/index.html", months=list(months), pending=pending, month_text=month_text
    )


def _month_page(payables, date_form=None, record_form=None, error=None, status=200):
    transfer_date = default_transfer_date()
    date_form = date_form or TransferDateForm(formdata=None, transfer_date=transfer_date)
    record_form = record_form or RecordTransferForm(formdata=None, transfer_date=transfer_date)
    record_form.line_ids.data = ",".join(str(i) for i in payables.line_ids)
    consignor = _consignor()
    return render_template(
        "payments/month.html",
        payables=payables,
        month_label=month_text(payables.month),
        date_form=date_form,
        record_form=record_form,
        consignor=consignor,
        error=str(error) if error else None,  # never a lazy string: it would skip escaping
        ACCOUNT_TYPE_LABELS=ACCOUNT_TYPE_LABELS,
    ), status


@bp.get(f"/{MONTH}")
@coordinator_required
def month_page(month: date):
    """A month's run: who is transferred to (accounts masked), who cannot be and why, totals."""
    payables = exports.month_payables(month)
    error = payables.invalid_names[0][1] if payables.invalid_names else None
    _bank_details_shown(payables)
    return _month_page(payables, error=error)


def _bank_details_shown(payables) -> None:
    """The month page shows each transferee's bank, branch, holder and masked number: one
    audited read per supporter shown."""
    shown = [due.supporter for due in payables.transfers]
    if shown:
        record_read("view_bank_details", shown, detail=month_text(payables.month))


def _download(month: date, build, suffix: str, mimetype: str, action: str, date_form=None):
    """Build an export of the month, audit it, and send it; refusals go back to the month page
    (a refused transfer date next to its box, 422)."""
    payables = exports.month_payables(month)
    try:
        data = build(payables)
    except Refused as refusal:
        if date_form is not None and "transfer_date" in refusal.fields:
            show_on_form(date_form, refusal)
            return _month_page(payables, date_form=date_form, status=422)
        flash(str(refusal.message), "error")
        return redirect(url_for("payments.month_page", month=month))
    stipend_month = tenancy.get_keyed(StipendMonth, payables.month)
    # The file holds every transferee's bank details: one audited read per file.
    record_read(
        action,
        stipend_month,
        "export",
        detail=f"{month_text(month)}: {len(payables.transfers)} transfers, "
        f"{payables.total_yen} yen",
    )
    filename = f"stipends-{month_text(month)}.{suffix}"
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get(f"/{MONTH}/transfer.txt")
@coordinator_required
def download_zengin(month: date):
    """The Zengin transfer file (full account numbers: it goes to the bank)."""
    form = TransferDateForm(request.args)
    if "transfer_date" not in request.args:
        form.transfer_date.data = default_transfer_date()
    elif not form.validate():  # not a date at all
        return _month_page(exports.month_payables(month), date_form=form, status=422)
    consignor = _consignor()
    if consignor is None:
        return redirect(url_for("payments.month_page", month=month))
    transfer_date = form.transfer_date.data
    return _download(
        month,
        lambda p: exports.zengin_file(p, consignor, transfer_date),
        "zengin.txt",
        "text/plain; charset=shift_jis",
        "export_zengin",
        date_form=form,
    )


@bp.get(f"/{MONTH}/lines.csv")
@coordinator_required
def download_csv(month: date):
    """The month's transfers as CSV (UTF-8 with BOM, accounts masked)."""
    return _download(month, exports.csv_file, "csv", "text/csv; charset=utf-8", "export_csv")


@bp.get(f"/{MONTH}/lines.xlsx")
@coordinator_required
def download_xlsx(month: date):
    """The month's transfers as an Excel workbook (accounts masked)."""
    mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(month, exports.xlsx_file, "xlsx", mimetype, "export_xlsx")


@bp.post(f"/{MONTH}/transfers")
@coordinator_required
def record_transfer(month: date):
    """Record that the bank made the month's transfer: the lines shown are marked as paid."""
    form = RecordTransferForm()
    if not form.validate_on_submit():
        return _month_page(exports.month_payables(month), record_form=form, status=422)
    try:
        payment = operations.record_transfer(
            month, form.transfer_date.data, form.exported_line_ids(), current_user
        )
    except Refused as refusal:
        payables = exports.month_payables(month)
        if refusal.is_about_input:
            show_on_form(form, refusal)
            return _month_page(payables, record_form=form, status=form_status(form))
        return _month_page(payables, record_form=form, error=refusal.message, status=409)
    flash(
        _(
            "Transfer of %(total)s yen on %(day)s recorded; its lines are marked as paid.",
            total=f"{payment.total_yen:,}",
            day=date_label(payment.transfer_date),
        ),
        "ok",
    )
    return redirect(url_for("payments.month_page", month=month))


@bp.route("/bank/<int:supporter_id>", methods=["GET", "POST"])
@coordinator_required
def bank_details(supporter_id: int):
    """A supporter's bank details (account number masked); saving replaces them."""
    supporter = supporter_or_404(supporter_id)
    account = db.session.get(BankAccount, supporter.id)
    form = BankAccountForm()
    if request.method == "GET" and account is not None:
        form.show(account)
    if form.validate_on_submit():
        try:
            operations.save_bank_details(supporter, form.draft(), current_user)
        except Refused as refusal:
            show_on_form(form, refusal)
        else:
            flash(_("The bank details of %(name)s were saved.", name=supporter.display_name), "ok")
            return redirect(url_for("payments.bank_details", supporter_id=supporter.id))
    status = form_status(form)
    if account is not None and request.method == "GET":
        record_read("view_bank_details", supporter)
    return render_template(
        "payments/bank.html",
        supporter=supporter,
        account=account,
        by_supporter=operations.updated_by_supporter(account),
        form=form,
        remove_form=PostForm(formdata=None),
        ACCOUNT_TYPE_LABELS=ACCOUNT_TYPE_LABELS,
    ), status


@bp.post("/bank/<int:supporter_id>/remove")
@coordinator_required
def remove_bank_details(supporter_id: int):
    """Delete a supporter's bank details: from now on they are not paid by transfer."""
    supporter = supporter_or_404(supporter_id)
    if operations.remove_bank_details(supporter, current_user):
        flash(_("The bank details of %(name)s were removed.", name=supporter.display_name), "ok")
    else:
        flash(_("%(name)s has no bank details.", name=supporter.display_name), "info")
    return redirect(url_for("payments.bank_details", supporter_id=supporter.id))
