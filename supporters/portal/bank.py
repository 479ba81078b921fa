"""The supporter's own bank details: enter and update them on the phone (number masked).

The rules are the payments area's (``payments/bank.py`` through ``operations.save_bank_details``,
audited); this page only carries the supporter's typing. ``bank_notice`` tells the portal's home
and stipends pages when a certified supporter cannot be paid because no bank details are stored.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from supporters.access import supporter_required
from supporters.extensions import db
from supporters.models.stipend import BankAccount
from supporters.payments import operations
from supporters.payments.forms import ACCOUNT_TYPE_LABELS, BankAccountForm
from supporters.portal.routes import _own_supporter, bp
from supporters.refusals import Refused, form_status, show_on_form


def needs_bank_details(supporter) -> bool:
    """Whether ``supporter`` earns stipends (certified, not retired) but has no bank details."""
    if supporter is None or supporter.certified_on is None or supporter.retired_on is not None:
        return False
    return db.session.get(BankAccount, supporter.id) is None


@bp.app_context_processor
def bank_notice():
    """``missing_bank_details()`` for portal templates (asked only where a page calls it)."""

    def missing() -> bool:
        user = current_user
        if not getattr(user, "is_authenticated", False):
            return False
        return needs_bank_details(getattr(user, "supporter", None))

    return {"missing_bank_details": missing}


@bp.route("/bank", methods=["GET", "POST"])
@supporter_required
def bank():
    """My bank details: the stored ones masked, and the form to enter or change them."""
    supporter = _own_supporter()
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
            flash(_("Your bank details were saved. The stipend is paid to this account."), "ok")
            return redirect(url_for("portal.bank"))
    return render_template(
        "portal/bank.html",
        account=account,
        form=form,
        ACCOUNT_TYPE_LABELS=ACCOUNT_TYPE_LABELS,
    ), form_status(form)
