"""Forms of the payments area: bank details, and the transfer date of a run.

They only read what was typed; ``bank.clean_details`` and the services in ``exports.py`` and
``operations.py`` decide whether it is right.
"""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import Optional

from supporters.clock import today_jst
from supporters.formkit import options
from supporters.models.stipend import AccountType
from supporters.payments import bank

ACCOUNT_TYPE_LABELS = {
    AccountType.ORDINARY: _l("Ordinary (普通)"),
    AccountType.CURRENT: _l("Current (当座)"),
    AccountType.SAVINGS: _l("Savings (貯蓄)"),
}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class BankAccountForm(FlaskForm):
    """Where a supporter receives the stipend; names in any kana or latin letters."""

    bank_code = StringField(_l("Bank code (4 digits)"), filters=[_strip])
    bank_name_kana = StringField(_l("Bank name in kana (optional)"), filters=[_strip])
    branch_code = StringField(_l("Branch code (3 digits)"), filters=[_strip])
    branch_name_kana = StringField(_l("Branch name in kana (optional)"), filters=[_strip])
    account_type = SelectField(
        _l("Type of account"),
        choices=options((t.value, label) for t, label in ACCOUNT_TYPE_LABELS.items()),
        validate_choice=False,
    )
    account_number = StringField(_l("Account number (up to 7 digits)"), filters=[_strip])
    holder_kana = StringField(_l("Account holder's name in kana"), filters=[_strip])
    submit = SubmitField(_l("Save bank details"))

    def show(self, account) -> None:
        """Fill the form from the stored details (the account number is never shown back)."""
        self.bank_code.data = account.bank_code
        self.bank_name_kana.data = account.bank_name_kana
        self.branch_code.data = account.branch_code
        self.branch_name_kana.data = account.branch_name_kana
        self.account_type.data = account.account_type.value
        self.holder_kana.data = account.holder_kana

    def draft(self) -> bank.BankDetailsDraft:
        """What was typed, for ``operations.save_bank_details`` to check."""
        return bank.BankDetailsDraft(
            **{name: getattr(self, name).data or "" for name in bank.DRAFT_FIELDS}
        )


class TransferDateForm(FlaskForm):
    """The transfer date written into the Zengin file (a GET form: nothing changes)."""

    class Meta:
        csrf = False

    transfer_date = DateField(_l("Transfer date"), validators=[Optional()])


class RecordTransferForm(FlaskForm):
    """ "The bank made this transfer": the date, and the lines that were exported."""

    transfer_date = DateField(_l("Transfer date"), validators=[Optional()])
    line_ids = HiddenField()
    submit = SubmitField(_l("Record the transfer"))

    def exported_line_ids(self) -> list[int]:
        """The line ids the page was showing, as sent back by the browser."""
        text = self.line_ids.data or ""
        return [int(part) for part in text.split(",") if part.strip().isdigit()]


def default_transfer_date():
    """Two days ahead, moved to the next day banks are open (weekends, public holidays and the
    year's end and start skipped)."""
    from supporters.calendar.holidays import next_banking_day

    return next_banking_day(today_jst() + timedelta(days=2))
