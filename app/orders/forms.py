"""The cabinet's order form, the period filter of its lists, and the dealer's forms. They check
only the shape of the input; the rules are the services' (a refusal names its field)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, HiddenField, IntegerField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.cabinet.periods import PeriodForm
from app.orders.checks import OrderDraft
from app.secondary.trading.forms import SIDE_LABELS, TYPE_LABELS

REQUIRED = [InputRequired(message=_l("This field is required."))]
ORDER_STATUS_LABELS = {"awaiting_signature": _l("awaiting signature"), "active": _l("active"),
                       "partially_filled": _l("partially filled"), "filled": _l("filled"),
                       "cancelled": _l("cancelled"), "rejected": _l("rejected"), "expired": _l("expired")}


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(str(key), label) for key, label in labels.items()]


class OrderForm(FlaskForm):
    venue = HiddenField(validators=[InputRequired(), Length(max=16)])
    code = HiddenField(validators=[InputRequired(), Length(max=20)])
    side = SelectField(_l("Side"), choices=_choices(SIDE_LABELS))
    type = SelectField(_l("Order type"), choices=_choices(TYPE_LABELS))
    price = DecimalField(_l("Price"), places=None, validators=[Optional()])
    lots = IntegerField(_l("Quantity, lots"), validators=[*REQUIRED, NumberRange(
        min=1, max=10**9, message=_l("The quantity must be a whole number of lots, at least 1."))])

    def draft(self) -> OrderDraft:
        return OrderDraft(self.venue.data, self.code.data, self.side.data, self.type.data, self.lots.data,
                          self.price.data if self.type.data == "limit" else None)


class OrderPeriodForm(PeriodForm):
    status = SelectField(_l("Status"), choices=[SelectChoice("", _l("all"))] + _choices(ORDER_STATUS_LABELS),
                         validators=[Optional()])


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""


class FillForm(FlaskForm):
    lots = IntegerField(_l("Lots filled"), validators=[*REQUIRED, NumberRange(
        min=1, max=10**9, message=_l("The quantity must be a whole number of lots, at least 1."))])
    price = DecimalField(_l("Price"), places=None, validators=REQUIRED)


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the client reads it)"), validators=[*REQUIRED, Length(max=500)])
