"""Forms of the payments area: bank details, and the transfer date of a run."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, ValidationError

from supporters.clock import today_jst
from supporters.formkit import options
from supporters.models.stipend import AccountType
from supporters.payments import bank
from supporters.payments.errors import BankDetailsError

ACCOUNT_TYPE_LABELS = {
    AccountType.ORDINARY: _l("Ordinary (普通)"),
    AccountType.CURRENT: _l("Current (当座)"),
    AccountType.SAVINGS: _l("Savings (貯蓄)"),
}


def _checked(cleaner):
    """A WTForms validator that normalises the field with ``cleaner`` or shows its message."""

    def validator(form, field):
        try:
            field.data = cleaner(field.data)
        except BankDetailsError as error:
            raise ValidationError(str(error.message)) from None

    return validator


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class BankAccountForm(FlaskForm):
    """Where a supporter receives the stipend; names in any kana or latin letters."""

    bank_code = StringField(
        _l("Bank code (4 digits)"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter the bank code.")), _checked(bank.clean_bank_code)],
    )
    bank_name_kana = StringField(
        _l("Bank name in kana (optional)"),
        filters=[_strip],
        validators=[_checked(lambda v: bank.to_zengin(v, bank.BANK_NAME_MAX, "bank_name_kana"))],
    )
    branch_code = StringField(
        _l("Branch code (3 digits)"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter the branch code.")), _checked(bank.clean_branch_code)],
    )
    branch_name_kana = StringField(
        _l("Branch name in kana (optional)"),
        filters=[_strip],
        validators=[_checked(lambda v: bank.to_zengin(v, bank.BANK_NAME_MAX, "branch_name_kana"))],
    )
    account_type = SelectField(
        _l("Type of account"),
        choices=options((t.value, label) for t, label in ACCOUNT_TYPE_LABELS.items()),
        validators=[InputRequired(_l("Choose the type of account."))],
        validate_choice=False,
    )
    account_number = StringField(_l("Account number (up to 7 digits)"), filters=[_strip])
    holder_kana = StringField(
        _l("Account holder's name in kana"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter the account holder's name in kana.")),
            _checked(bank.to_zengin),
        ],
    )
    submit = SubmitField(_l("Save bank details"))

    def __init__(self, *args, keep_number: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.keep_number = keep_number  # empty = keep the stored number

    def validate_account_type(self, field):
        _checked(bank.clean_account_type)(self, field)

    def validate_account_number(self, field):
        if not field.data and self.keep_number:
            return
        _checked(bank.clean_account_number)(self, field)


class TransferDateForm(FlaskForm):
    """The transfer date written into the Zengin file (a GET form: nothing changes)."""

    class Meta:
        csrf = False

    transfer_date = DateField(
        _l("Transfer date"), validators=[InputRequired(_l("Enter the transfer date."))]
    )

    def validate_transfer_date(self, field):
        if field.data is None:  # not a date: DateField has already said so
            return
        if field.data < today_jst():
            raise ValidationError(_l("The transfer date cannot be in the past."))
        if field.data > today_jst() + timedelta(days=60):
            raise ValidationError(_l("The transfer date can be at most 60 days ahead."))


class RecordTransferForm(FlaskForm):
    """ "The bank made this transfer": the date, and the lines that were exported."""

    transfer_date = DateField(
        _l("Transfer date"), validators=[InputRequired(_l("Enter the transfer date."))]
    )
    line_ids = HiddenField()
    submit = SubmitField(_l("Record the transfer"))

    def exported_line_ids(self) -> list[int]:
        """The line ids the page was showing, as sent back by the browser."""
        text = self.line_ids.data or ""
        return [int(part) for part in text.split(",") if part.strip().isdigit()]


def default_transfer_date():
    """Two days ahead, moved off a weekend (public holidays are not known: check the date)."""
    day = today_jst() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day
