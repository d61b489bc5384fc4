"""Forms of withdrawals: the client's instruction, the back office's decisions, the banks."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.brokerage.models import Currency
from app.withdrawals.models import WithdrawalStatus

STATUS_LABELS = {
    WithdrawalStatus.AWAITING_SIGNATURE: _l("Awaiting signature"),
    WithdrawalStatus.SUBMITTED: _l("Signed, waiting for the broker"),
    WithdrawalStatus.APPROVED: _l("Approved"),
    WithdrawalStatus.PAID: _l("Paid"),
    WithdrawalStatus.REJECTED: _l("Rejected"),
    WithdrawalStatus.CANCELLED: _l("Cancelled"),
    WithdrawalStatus.EXPIRED: _l("Expired unsigned"),
}
CURRENCY_CHOICES = [SelectChoice(str(currency), str(currency)) for currency in Currency]


class WithdrawalForm(FlaskForm):
    currency = SelectField(_l("Currency"), choices=CURRENCY_CHOICES, validators=[DataRequired()])
    amount = DecimalField(_l("Amount"), places=None, validators=[DataRequired()])
    iban = StringField(_l("IIC (IBAN) of your bank account"), validators=[DataRequired(), Length(max=40)])
    bank_id = SelectField(_l("Bank"), coerce=int, validate_choice=False, validators=[DataRequired()])


class ActionForm(FlaskForm):
    """A button: only its CSRF token."""


class PayForm(FlaskForm):
    reference = StringField(_l("Payment order number"), validators=[Optional(), Length(max=60)])


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the client"), validators=[DataRequired(), Length(max=500)])


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()],
                         choices=[SelectChoice("", _l("Any")),
                                  *[SelectChoice(str(status), label) for status, label in STATUS_LABELS.items()
                                    if status not in (WithdrawalStatus.AWAITING_SIGNATURE, WithdrawalStatus.EXPIRED)]])
    day = DateField(_l("Signed on"), validators=[Optional()])


class RegisterDayForm(FlaskForm):
    class Meta:
        csrf = False

    day = DateField(_l("Day"), validators=[DataRequired()])


class BankForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    bic = StringField(_l("BIC (SWIFT)"), validators=[DataRequired(), Length(min=8, max=11)])


class BankEditForm(BankForm):
    is_active = BooleanField(_l("Offered to clients"))
