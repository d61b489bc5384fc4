"""Forms of the reference-data pages. They check only the shape of the input; the rules are
the services' (`app.secondary.reference.services`), whose refusals land on these fields by name."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.secondary.models import AccountKind, InstrumentKind, PriceSubject
from app.secondary.reference.services import SETTLEMENT_CODES

REQUIRED = [InputRequired(message=_l("This field is required."))]

KIND_LABELS = {InstrumentKind.SHARE: _l("Shares"), InstrumentKind.BOND: _l("Bonds")}
SUBJECT_LABELS = {PriceSubject.MONEY: _l("Money, ₸ per share"), PriceSubject.CLEAN: _l("Clean price, percent of face value"),
                  PriceSubject.DIRTY: _l("Dirty price, percent of face value")}
ACCOUNT_KIND_LABELS = {AccountKind.OWN: _l("Own account"), AccountKind.AGGREGATED: _l("Aggregated client account"),
                       AccountKind.CLIENT: _l("Client's segregated account")}
FREQUENCY_LABELS = {1: _l("Once a year"), 2: _l("Twice a year"), 4: _l("Quarterly"), 12: _l("Monthly")}


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(str(key), label) for key, label in labels.items()]


class InstrumentForm(FlaskForm):
    code = StringField(_l("Trading code"), validators=REQUIRED + [Length(max=20)])
    isin = StringField(_l("ISIN"), validators=REQUIRED + [Length(max=12)])
    name = StringField(_l("Name"), validators=REQUIRED + [Length(max=200)])
    kind = SelectField(_l("Kind"), choices=_choices(KIND_LABELS))
    group = StringField(_l("List or group"), validators=REQUIRED + [Length(max=40)])
    currency = StringField(_l("Currency"), default="KZT", validators=REQUIRED + [Length(max=3)])
    face_value = DecimalField(_l("Face value"), places=None, validators=[Optional()])
    lot_size = IntegerField(_l("Lot, securities"), default=1, validators=REQUIRED)
    price_step = DecimalField(_l("Price step"), places=None, validators=REQUIRED)
    price_subject = SelectField(_l("Price subject"), choices=_choices(SUBJECT_LABELS))
    settlement_codes = SelectMultipleField(_l("Settlement codes"), choices=[SelectChoice(code, code) for code in SETTLEMENT_CODES],
                                           default=list(SETTLEMENT_CODES), option_widget=CheckboxInput(),
                                           widget=ListWidget(prefix_label=False))
    corridor_percent = DecimalField(_l("Price corridor, ± %"), places=None, validators=REQUIRED)
    coupon_rate = DecimalField(_l("Coupon rate, % p.a."), places=None, validators=[Optional()])
    coupon_frequency = SelectField(_l("Coupon payments"), choices=[SelectChoice("", "—")] + _choices(FREQUENCY_LABELS),
                                   coerce=lambda value: int(value) if value not in (None, "") else None,
                                   validate_choice=False)
    maturity_on = DateField(_l("Maturity date"), validators=[Optional()])
    repo_discount = DecimalField(_l("Repo discount, a fraction (0.15 = 15 %)"), places=None, validators=[Optional()])

    def terms(self) -> dict:
        """The submitted terms by service argument name; fields removed from the form are left out."""
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}


class HaltForm(FlaskForm):
    reason = StringField(_l("Reason for the halt"), validators=[Length(max=500)])


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""


class ReferencePriceForm(FlaskForm):
    trading_day = DateField(_l("Trading day"), validators=REQUIRED)
    price = DecimalField(_l("Reference price"), places=None, validators=REQUIRED)


class AccountForm(FlaskForm):
    organisation_id = SelectField(_l("Member firm"), choices=[], validate_choice=False)
    code = StringField(_l("Account code"), validators=REQUIRED + [Length(max=30)])
    kind = SelectField(_l("Kind of account"), choices=_choices(ACCOUNT_KIND_LABELS))
    client_code = StringField(_l("Client code (client accounts only)"), validators=[Length(max=30)])
    client_name = StringField(_l("Client name (client accounts only)"), validators=[Length(max=200)])

