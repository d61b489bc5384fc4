"""The risk staff's forms: a discount rate entry, an FX entry, the category chooser, the client
list's filters."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, DecimalField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

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
