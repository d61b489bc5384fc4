"""The risk staff's forms: a discount rate entry, an FX entry, the category chooser, the client
list's filters, the forced close-out's order picks and the death record."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateTimeLocalField, DecimalField, SelectChoice, SelectField, SelectMultipleField,
                     StringField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.brokerage.models import Venue
from app.domain.calendar import from_almaty_wall_clock
from app.margin.clients import ALL, NPR1_NEGATIVE, NPR2_NEGATIVE, RiskFilter
from app.margin.models import FOREIGN_CURRENCIES, MONEY, MarginCategory
from app.margin.services import FxEntry, RateEntry

CATEGORY_LABELS = {MarginCategory.STANDARD: _l("Standard"), MarginCategory.SPECIAL_RISK: _l("Special risk")}
RATE_VENUE_LABELS = {Venue.KASE: _l("KASE"), Venue.AIX: _l("AIX"), Venue.INTERNATIONAL: _l("International"),
                     MONEY: _l("Money (foreign currency)")}
CATEGORY_CHOICES = [SelectChoice(str(category), label) for category, label in CATEGORY_LABELS.items()]
CURRENCY_CHOICES = [SelectChoice(currency, currency) for currency in FOREIGN_CURRENCIES]
MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class CategoryForm(FlaskForm):
    class Meta:
        csrf = False

    category = SelectField(_l("Client category"), choices=CATEGORY_CHOICES, default=MarginCategory.STANDARD)


class EffectiveFrom:
    """The moment a change applies from, typed as Almaty wall-clock time; empty means now."""
    effective_from = DateTimeLocalField(_l("Effective from (Almaty time)"), format=MOMENT_FORMATS,
                                        validators=[Optional()])

    def moment(self):
        typed = self.effective_from.data
        return from_almaty_wall_clock(typed) if typed is not None else None


class RateForm(EffectiveFrom, FlaskForm):
    category = SelectField(_l("Client category"), choices=CATEGORY_CHOICES, validators=[DataRequired()])
    venue = SelectField(_l("Venue"), validators=[DataRequired()],
                        choices=[SelectChoice(str(venue), label) for venue, label in RATE_VENUE_LABELS.items()])
    code = StringField(_l("Instrument code or currency"), validators=[DataRequired(), Length(max=20)])
    long_rate = DecimalField(_l("Long rate, per cent"), places=None, validators=[InputRequired()])
    short_rate = DecimalField(_l("Short rate, per cent"), places=None, default=100, validators=[InputRequired()])
    marginal = BooleanField(_l("Marginal (on the broker's marginal list)"))
    shortable = BooleanField(_l("Shortable"))

    def entry(self) -> RateEntry:
        return RateEntry(self.category.data, self.venue.data, self.code.data, self.long_rate.data, self.short_rate.data,
                         self.marginal.data, self.shortable.data, self.moment())


class FxForm(EffectiveFrom, FlaskForm):
    currency = SelectField(_l("Currency"), choices=CURRENCY_CHOICES, validators=[DataRequired()])
    rate = DecimalField(_l("Tenge for one unit"), places=None, validators=[InputRequired()])

    def entry(self) -> FxEntry:
        return FxEntry(self.currency.data, self.rate.data, self.moment())


STANDING_LABELS = {ALL: _l("All clients"), NPR1_NEGATIVE: _l("NPR1 below zero"), NPR2_NEGATIVE: _l("NPR2 below zero")}

CALL_STATUS_LABELS = {"open": _l("open"), "met": _l("met"), "closed_out": _l("closed out")}
CLOSE_OUT_STATUS_LABELS = {"running": _l("running"), "done": _l("done"), "shortfall": _l("ended with a debt")}
GROUND_LABELS = {"deadline": _l("the margin call's deadline passed"), "broker": _l("the risk staff's decision"),
                 "death": _l("confirmed news of the client's death")}
# What a running close-out waits for (the orders service's refusal codes, and the close-out's own).
WAITING_LABELS = {"dealer": _l("the broker's dealer to execute the order"),
                  "no_counterparty": _l("a counterparty in the book"),
                  "not_filled": _l("a counterparty: the last order found none"),
                  "session_closed": _l("the market to open"), "venue_closed": _l("the venue to open"),
                  "instrument_halted": _l("trading to resume"), "no_reference_price": _l("a reference price"),
                  "no_quote": _l("a quote from the venue"), "no_fx_rate": _l("an FX rate"),
                  "not_tradable": _l("the instrument to be tradable"), "odd_lot": _l("a whole lot")}


class RiskFilterForm(FlaskForm):
    """The risk list's filters, a GET form: a bad value is ignored, the list shows everyone."""
    class Meta:
        csrf = False

    standing = SelectField(_l("Standing"), default=ALL,
                           choices=[SelectChoice(key, label) for key, label in STANDING_LABELS.items()])
    category = SelectField(_l("Client category"), default="",
                           choices=[SelectChoice("", _l("Any category")), *CATEGORY_CHOICES])
    q = StringField(_l("Name, IIN or client code"), validators=[Optional(), Length(max=100)])

    def chosen(self) -> RiskFilter:
        if not self.validate():
            return RiskFilter()
        return RiskFilter(self.standing.data, self.category.data or None, self.q.data or None)


class CloseOutForm(FlaskForm):
    """Which of the client's open orders the close-out cancels: all are ticked to begin with."""
    cancel = SelectMultipleField(_l("Cancel these open orders"), coerce=int, choices=[], validate_choice=False,
                                 option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))


class DeathForm(FlaskForm):
    reference = StringField(_l("Document confirming it (number, date, issued by)"),
                            validators=[InputRequired(message=_l("This field is required.")), Length(max=200)])
