"""The back office's forms: a new client, a deposit, the client list's search, income on a security."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, EmailField, SelectChoice, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.brokerage.models import Currency, Venue
from app.brokerage.income import IncomeEntry
from app.brokerage.services import ClientEntry

VENUE_LABELS = {Venue.KASE: _l("KASE (this desk's market)"), Venue.AIX: _l("AIX"),
                Venue.INTERNATIONAL: _l("International")}
CLIENT_STATUS_LABELS = {"active": _l("Active"), "suspended": _l("Suspended"), "closed": _l("Agreement ended")}
LEDGER_SOURCE_LABELS = {"deposit": _l("Deposit"), "deal": _l("Deal"), "fee": _l("Fee"), "withdrawal": _l("Withdrawal"),
                        "income": _l("Coupon or dividend")}


class ClientForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    iin = StringField(_l("IIN"), validators=[DataRequired(), Regexp(r"^\d{12}$", message=_l("An IIN has exactly 12 digits."))])
    phone = TelField(_l("Mobile phone"), validators=[DataRequired(), Length(max=30)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    agreement_number = StringField(_l("Brokerage agreement number"), validators=[DataRequired(), Length(max=40)])
    agreement_date = DateField(_l("Agreement date"), validators=[DataRequired()])
    login = StringField(_l("Login for the cabinet"), validators=[DataRequired(), Length(max=64)])

    def entry(self) -> ClientEntry:
        return ClientEntry(iin=self.iin.data, full_name=self.full_name.data, phone=self.phone.data,
                           email=self.email.data, agreement_number=self.agreement_number.data,
                           agreement_date=self.agreement_date.data, login=self.login.data)


class DepositForm(FlaskForm):
    """Money in a currency, or securities of an instrument on a venue."""
    venue = SelectField(_l("Sub-account"), validators=[Optional()],
                        choices=[SelectChoice("", _l("Money")),
                                 *[SelectChoice(str(venue), label) for venue, label in VENUE_LABELS.items()]])
    asset = StringField(_l("Currency or instrument code"), default=Currency.KZT, validators=[DataRequired(), Length(max=20)])
    amount = DecimalField(_l("Amount or quantity"), places=None, validators=[DataRequired()])
    reference = StringField(_l("Payment order or transfer reference"), validators=[Optional(), Length(max=60)])


class ClientSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name, IIN or agreement"), validators=[Optional(), Length(max=100)])


class IncomeForm(FlaskForm):
    """A coupon or dividend paid on a security: per security, to the holders on the record day."""
    venue = SelectField(_l("Trading venue"), choices=[SelectChoice(str(venue), label)
                                                      for venue, label in VENUE_LABELS.items()])
    code = StringField(_l("Instrument code"), validators=[DataRequired(), Length(max=20)])
    kind = SelectField(_l("Income"), choices=[SelectChoice("coupon", _l("Coupon")),
                                              SelectChoice("dividend", _l("Dividend"))])
    per_unit = DecimalField(_l("Per security"), places=None, validators=[DataRequired()])
    currency = SelectField(_l("Currency"), choices=[SelectChoice(str(c), str(c)) for c in Currency])
    record_day = DateField(_l("Record day"), validators=[DataRequired()])
    reference = StringField(_l("Issuer's notice or payment reference"), validators=[Optional(), Length(max=40)])

    def entry(self) -> IncomeEntry:
        return IncomeEntry(self.venue.data, self.code.data, self.kind.data, self.per_unit.data, self.currency.data,
                           self.record_day.data, self.reference.data)
