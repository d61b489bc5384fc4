"""The calculator form: the API's inputs, typed the way people type them.

Decimals accept a comma or a dot and spaces between thousands; coupon dates come one per line
(or separated by commas or spaces) as YYYY-MM-DD or DD.MM.YYYY.
"""
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange

from app.calculator import FREQUENCY_LABELS, KIND_LABELS
from app.domain.yields import FIRST_YEAR, LAST_YEAR, BondKind, regular_coupon_dates

DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")
COUPON_FIELDS = ("coupon_rate", "coupon_frequency", "coupon_dates")
FORM_FIELDS = {"yield": "yield_pct"}  # the domain's (and API's) field names that differ here


class DecimalText(StringField):
    """A decimal typed by a person: "1 000,50" or "1000.50"; at most `places` decimals."""

    def __init__(self, label=None, validators=None, places: int = 4, signed: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.places = places
        self.pattern = re.compile(rf"{'-?' if signed else ''}[0-9]{{1,20}}([.][0-9]{{1,{places}}})?")

    def process_formdata(self, valuelist):
        text = re.sub(r"[\s\u00a0\u202f]", "", valuelist[0] if valuelist else "").replace(",", ".")
        self.data = None
        if text and not self.pattern.fullmatch(text):
            raise ValueError(_("Not a number with at most %(places)d decimals, e.g. %(example)s.",
                               places=self.places, example="1000." + "0" * self.places))
        if text:
            self.data = Decimal(text)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


class CouponDatesField(TextAreaField):
    """Every nominal coupon date, maturity included; data is a tuple of dates."""

    def process_formdata(self, valuelist):
        self.data = ()
        words = re.split(r"[\s,;]+", valuelist[0] if valuelist else "")
        self.data = tuple(parse_date(word) for word in words if word)

    def _value(self) -> str:
        if self.data:
            return "\n".join(day.isoformat() for day in self.data)
        return self.raw_data[0] if self.raw_data else ""


def parse_date(word: str) -> date:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(word, pattern).date()
        except ValueError:
            continue
    raise ValueError(_("“%(text)s” is not a date: use YYYY-MM-DD or DD.MM.YYYY.", text=word))


class CalculatorForm(FlaskForm):
    kind = SelectField(_l("Security"), choices=[SelectChoice(str(kind), label) for kind, label in KIND_LABELS.items()])
    face_value = DecimalText(_l("Face value, tenge"), places=2, default=Decimal(1000),
                             validators=[InputRequired(message=_l("Enter the face value."))])
    settlement_date = DateField(_l("Settlement date"), validators=[InputRequired(message=_l("Enter the settlement date."))])
    maturity_date = DateField(_l("Maturity date"), validators=[InputRequired(message=_l("Enter the maturity date."))])
    coupon_rate = DecimalText(_l("Coupon rate, % per annum"), places=4)
    coupon_frequency = SelectField(_l("Coupons per year"), default="", choices=[
        SelectChoice("", "—"), *(SelectChoice(str(count), label) for count, label in FREQUENCY_LABELS.items())])
    coupon_dates = CouponDatesField(_l("Coupon dates"), render_kw={"rows": 6})
    price = DecimalText(_l("Clean price, percent of face value"), places=4)
    yield_pct = DecimalText(_l("Yield, % per annum"), places=4, signed=True)
    quantity = IntegerField(_l("Quantity"), default=1, validators=[
        InputRequired(message=_l("Enter the number of securities.")),
        NumberRange(min=1, message=_l("Enter at least 1."))])

    dates_generated = False

    def validate(self, extra_validators=None) -> bool:
        checks = (super().validate(extra_validators), self._check_price_or_yield(), self._check_coupon_terms())
        return all(checks)

    def _check_price_or_yield(self) -> bool:
        given = [field for field in (self.price, self.yield_pct) if field.data is not None or field.errors]
        if len(given) == 1:
            return True
        message = _("Fill in either the price or the yield, not both.") if given else _("Fill in the price or the yield.")
        for field in (self.price, self.yield_pct):
            field.errors.append(message)
        return False

    def _check_coupon_terms(self) -> bool:
        if self.kind.data == BondKind.DISCOUNT:
            filled = [self[name] for name in COUPON_FIELDS if self[name].data]
            for field in filled:
                field.errors.append(_("A discount bill has no coupon: clear this field or choose a coupon bond."))
            return not filled
        missing = [self[name] for name in ("coupon_rate", "coupon_frequency")
                   if self[name].data in (None, "") and not self[name].errors]
        for field in missing:
            field.errors.append(_("Required for a coupon bond."))
        return not missing and self._fill_coupon_dates()

    def _fill_coupon_dates(self) -> bool:
        """No dates typed: a regular schedule counted back from maturity (shown in the form)."""
        if self.coupon_dates.data or self.coupon_dates.errors:
            return not self.coupon_dates.errors
        maturity, settlement = self.maturity_date.data, self.settlement_date.data
        if maturity and settlement and FIRST_YEAR <= maturity.year <= LAST_YEAR:
            # Maturity is always in the schedule, so a settlement on or after it is refused
            # as such by the calculation, not as "no coupon dates".
            after = min(settlement, maturity - timedelta(days=1))
            self.coupon_dates.data = regular_coupon_dates(maturity, int(self.coupon_frequency.data), after)
            self.dates_generated = True
        return True

    def terms(self) -> dict:
        """The validated input as `app.calculator.calculate` takes it."""
        names = ("kind", "face_value", "settlement_date", "maturity_date", "price", "yield_pct", "quantity")
        terms = {name: self[name].data for name in names}
        if self.kind.data == BondKind.COUPON:
            terms |= {"coupon_rate": self.coupon_rate.data, "coupon_frequency": int(self.coupon_frequency.data),
                      "coupon_dates": self.coupon_dates.data}
        return terms

    def field_for(self, name: str):
        """The form field a domain error names (the kind select when no field matches)."""
        return self._fields.get(FORM_FIELDS.get(name, name), self.kind)
