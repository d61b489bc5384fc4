"""Forms of the member's market pages. They check only the shape of the input; the market's
rules are the sequencer's, whose refusals (`MarketError.field`) land on these fields by name."""
import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, HiddenField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from app.secondary.reference.forms import ACCOUNT_KIND_LABELS

REQUIRED = [InputRequired(message=_l("This field is required."))]

SIDE_LABELS = {"buy": _l("Buy"), "sell": _l("Sell")}
TYPE_LABELS = {"limit": _l("Limit"), "market": _l("Market")}
ORDER_STATUS_LABELS = {"active": _l("active"), "partial": _l("partly filled"), "filled": _l("filled"),
                       "cancelled": _l("cancelled"), "expired": _l("expired"), "killed": _l("killed"),
                       "offered": _l("offered"), "rejected": _l("rejected")}
TRADE_STATUS_LABELS = {"pending": _l("to settle"), "settled": _l("settled"), "failed": _l("failed"),
                       "cancelled": _l("cancelled")}


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(key, label) for key, label in labels.items()]


def to_id(value) -> int:
    """A chosen row's id; nothing chosen is 0, which no row has, so the market names the field."""
    return int(value) if str(value).isdigit() else 0


def account_choices(accounts) -> list[SelectChoice]:
    return [SelectChoice(str(account.id), f"{account.code} · {ACCOUNT_KIND_LABELS.get(account.kind, account.kind)}")
            for account in accounts]


def new_key() -> str:
    """A fresh idempotency key for an empty order form: a double click sends the same key."""
    return uuid.uuid4().hex


class OrderForm(FlaskForm):
    idempotency_key = HiddenField(validators=[Length(max=80)])
    account_id = SelectField(_l("Account"), choices=[], coerce=to_id, validate_choice=False)
    side = SelectField(_l("Side"), choices=_choices(SIDE_LABELS))
    type = SelectField(_l("Order type"), choices=_choices(TYPE_LABELS))
    price = DecimalField(_l("Price"), places=None, validators=[Optional()])
    lots = IntegerField(_l("Lots"), validators=REQUIRED)
    client_code = StringField(_l("Client code"), validators=[Length(max=30)])
    expires_on = DateField(_l("Valid until"), validators=[Optional()])


class AmendForm(FlaskForm):
    price = DecimalField(_l("New price"), places=None, validators=REQUIRED)
    lots = IntegerField(_l("New remaining lots"), validators=REQUIRED)


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""


class DirectOfferForm(FlaskForm):
    counterparty_id = SelectField(_l("Counterparty"), choices=[], coerce=to_id, validate_choice=False)
    instrument_id = SelectField(_l("Instrument"), choices=[], coerce=to_id, validate_choice=False)
    settlement_code = SelectField(_l("Settlement code"), choices=[SelectChoice("T0", "T0"), SelectChoice("T2", "T+2")])
    side = SelectField(_l("We"), choices=_choices(SIDE_LABELS))
    price = DecimalField(_l("Price"), places=None, validators=REQUIRED)
    lots = IntegerField(_l("Lots"), validators=REQUIRED)
    account_id = SelectField(_l("Our account"), choices=[], coerce=to_id, validate_choice=False)
    client_code = StringField(_l("Client code"), validators=[Length(max=30)])


class AnswerForm(FlaskForm):
    """Accept (on one of our accounts) or reject a direct deal addressed to our firm."""
    answer = HiddenField(validators=[AnyOf(("accept", "reject"))])
    account_id = SelectField(_l("Our account"), choices=[], coerce=to_id, validate_choice=False)
    client_code = StringField(_l("Client code"), validators=[Length(max=30)])


class SettlementForm(FlaskForm):
    action = HiddenField(validators=[AnyOf(("retry", "cancel"))])


class OrderFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=[SelectChoice("", _l("all"))] + _choices(ORDER_STATUS_LABELS),
                         validators=[Optional()])
    day = DateField(_l("Trading day"), validators=[Optional()])
