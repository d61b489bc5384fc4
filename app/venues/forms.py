"""The back office's instrument and quote-file forms; the client's search and list forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DecimalField, HiddenField, IntegerField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.brokerage.models import Currency, Venue
from app.venues.services import InstrumentEntry

EXTERNAL_LABELS = {Venue.AIX: _l("AIX"), Venue.INTERNATIONAL: _l("International")}
MARKET_LABELS = {Venue.KASE: _l("KASE"), **EXTERNAL_LABELS}


class InstrumentForm(FlaskForm):
    venue = SelectField(_l("Venue"), choices=[SelectChoice(str(venue), label) for venue, label in EXTERNAL_LABELS.items()],
                        validators=[DataRequired()])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    currency = SelectField(_l("Currency"), choices=[SelectChoice(str(currency), str(currency)) for currency in Currency],
                           validators=[DataRequired()])
    lot_size = IntegerField(_l("Lot size, pieces"), default=1, validators=[InputRequired()])
    price_step = DecimalField(_l("Price step"), places=None, default="0.01", validators=[InputRequired()])
    settlement_days = IntegerField(_l("Settlement, T+ business days"), default=2, validators=[InputRequired()])

    def entry(self) -> InstrumentEntry:
        return InstrumentEntry(self.venue.data, self.code.data, self.name.data, self.currency.data,
                               self.lot_size.data, self.price_step.data, self.settlement_days.data)


class ConfirmForm(FlaskForm):
    """A button that changes something: its CSRF token only."""


class QuotesFileForm(FlaskForm):
    file = FileField(_l("Quotes file (CSV)"), validators=[FileRequired(_l("Choose the CSV file."))])


class InstrumentSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Code or name"), validators=[Optional(), Length(max=100)])


class WatchForm(FlaskForm):
    """One instrument onto or off the client's list (the Add and Remove buttons)."""
    venue = HiddenField(validators=[DataRequired(), Length(max=16)])
    code = HiddenField(validators=[DataRequired(), Length(max=20)])


class WatchlistForm(FlaskForm):
    """The ticks of the instruments page: `shown` lists every row on it, `picked` the ticked ones,
    each as `venue:code`."""
    q = HiddenField(validators=[Optional(), Length(max=100)])
    shown = SelectMultipleField(choices=[], validate_choice=False)
    picked = SelectMultipleField(choices=[], validate_choice=False)
