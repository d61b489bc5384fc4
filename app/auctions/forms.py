"""Forms of the auction pages; the services check the rules, these check the shapes."""
from datetime import datetime, time
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, DecimalField, IntegerField, SelectChoice, SelectField, StringField,
                     TextAreaField, TimeField)
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from app.auctions import labels
from app.auctions.bidding import BidEntry
from app.auctions.services import ApplicationTerms
from app.domain.calendar import ALMATY
from app.placement.forms import REQUIRED, PlacementBidForm, choices
from app.placement.vocabulary import INVESTOR_TYPE_LABELS


def parse_dates(text: str) -> list:
    """Coupon dates as typed: ISO or dd.mm.yyyy, separated by commas, spaces or new lines."""
    days = []
    for token in (text or "").replace(",", " ").split():
        for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
            try:
                days.append(datetime.strptime(token, pattern).date())
                break
            except ValueError:
                continue
        else:
            raise ValueError(token)
    return sorted(set(days))


class ApplicationForm(FlaskForm):
    kind = SelectField(_l("Auction"), choices=choices(labels.KIND_LABELS))
    is_emergency_repeat = BooleanField(_l("Emergency repeat auction (GKO)"))
    security_type = SelectField(_l("Security type"), choices=choices(labels.SECURITY_TYPE_LABELS))
    security_name = StringField(_l("Security name"), validators=REQUIRED + [Length(max=200)])
    isin = StringField(_l("ISIN"), validators=REQUIRED + [Length(min=12, max=12, message=_l("An ISIN has 12 characters."))])
    exchange_code = StringField(_l("Exchange code"), validators=REQUIRED + [Length(max=20)])
    face_value = DecimalField(_l("Face value, ₸"), places=None, validators=REQUIRED, default=Decimal(1000))
    issue_date = DateField(_l("Issue date"), validators=[Optional()])
    maturity_date = DateField(_l("Maturity date"), validators=[Optional()])
    time_base = SelectField(_l("Time base"), validators=[Optional()], choices=[SelectChoice("", _l("Standard for the type"))]
                            + choices(labels.TIME_BASE_LABELS))
    coupon_rate = DecimalField(_l("Coupon rate, % per annum"), places=None, validators=[Optional()])
    coupon_frequency = SelectField(_l("Coupons per year"), validators=[Optional()], choices=[SelectChoice("", "—")] + [
        SelectChoice(str(n), str(n)) for n in (1, 2, 4, 12)])
    coupon_dates = TextAreaField(_l("Coupon dates, maturity included"))
    trade_date = DateField(_l("Trade date"), validators=REQUIRED)
    declared_quantity = IntegerField(_l("Declared quantity, securities"), validators=REQUIRED)
    issuable_quantity = IntegerField(_l("Most the issue terms allow, securities"), validators=[Optional()])
    trade_subject = SelectField(_l("Trade subject"), choices=choices(labels.TRADE_SUBJECT_LABELS))
    market_share_percent = DecimalField(_l("Market bids allowed, percent of own limit bids"), places=None,
                                        validators=REQUIRED + [NumberRange(0, 100)], default=Decimal(0))
    submission_method = SelectField(_l("Submission method"), choices=choices(labels.SUBMISSION_LABELS))
    pricing = SelectField(_l("Execution of limit bids"), choices=choices(labels.PRICING_LABELS))
    bids_open = TimeField(_l("Bids open"), validators=REQUIRED)
    bids_close = TimeField(_l("Bids close"), validators=REQUIRED)
    confirm_until = TimeField(_l("Confirmations until"), validators=REQUIRED)
    decision = TimeField(_l("Cut-off decision by"), validators=REQUIRED)
    settlement_scheme = SelectField(_l("Settlement"), choices=choices(labels.SCHEME_LABELS))

    def validate_coupon_dates(self, field):
        try:
            parse_dates(field.data)
        except ValueError as error:  # WTForms 3 reports only ValidationError; anything else is a 500
            raise ValidationError(_l("“%(value)s” is not a date (use YYYY-MM-DD or DD.MM.YYYY).", value=str(error)))

    def terms(self) -> ApplicationTerms:
        return ApplicationTerms(
            kind=self.kind.data, security_type=self.security_type.data, security_name=self.security_name.data.strip(),
            isin=self.isin.data, exchange_code=self.exchange_code.data.strip(), face_value=self.face_value.data,
            trade_date=self.trade_date.data, declared_quantity=self.declared_quantity.data,
            trade_subject=self.trade_subject.data, market_share_percent=self.market_share_percent.data,
            submission_method=self.submission_method.data, pricing=self.pricing.data,
            bids_open=self.bids_open.data, bids_close=self.bids_close.data, confirm_until=self.confirm_until.data,
            decision=self.decision.data, settlement_scheme=self.settlement_scheme.data,
            issue_date=self.issue_date.data, maturity_date=self.maturity_date.data,
            time_base=self.time_base.data or None, coupon_rate=self.coupon_rate.data,
            coupon_frequency=int(self.coupon_frequency.data) if self.coupon_frequency.data else None,
            coupon_dates=parse_dates(self.coupon_dates.data), issuable_quantity=self.issuable_quantity.data,
            is_emergency_repeat=self.is_emergency_repeat.data,
        )


GKO_TYPES = ("mekkam", "meokam", "meukam", "mezhkam")
GKO_TIMETABLE = {"bids_open": (9, 0), "bids_close": (12, 0), "confirm_until": (12, 30), "decision": (15, 0)}


def application_form(role: str) -> ApplicationForm:
    """The Ministry places GKO only, on the GKO timetable (App.7 §5: bids 09:00–12:00)."""
    form = ApplicationForm()
    if role == "minfin":
        form.kind.choices = choices(labels.KIND_LABELS, ("placement",))
        form.security_type.choices = choices(labels.SECURITY_TYPE_LABELS, GKO_TYPES)
        if not form.is_submitted():
            for name, (hour, minute) in GKO_TIMETABLE.items():
                getattr(form, name).data = time(hour, minute)
    else:
        form.security_type.choices = [choice for choice in form.security_type.choices
                                      if choice.value not in GKO_TYPES]
    return form


def fill_application_form(form: ApplicationForm, auction) -> None:
    """Pre-fill from a stored application (answering a request for additional terms)."""
    for name in ("kind", "security_type", "security_name", "isin", "exchange_code", "face_value", "issue_date",
                 "maturity_date", "coupon_rate", "trade_date", "declared_quantity", "issuable_quantity",
                 "trade_subject", "market_share_percent", "submission_method", "pricing", "settlement_scheme",
                 "is_emergency_repeat"):
        getattr(form, name).data = getattr(auction, name)
    form.time_base.data = auction.time_base or ""
    form.coupon_frequency.data = str(auction.coupon_frequency or "")
    form.coupon_dates.data = "\n".join(auction.coupon_dates)
    for field, instant in (("bids_open", auction.bids_open_at), ("bids_close", auction.bids_close_at),
                           ("confirm_until", auction.confirm_until), ("decision", auction.decision_at)):
        getattr(form, field).data = instant.astimezone(ALMATY).time()


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Reason or request"), validators=[Length(max=2000)])


class PostponeForm(FlaskForm):
    new_date = DateField(_l("New date"), validators=REQUIRED)
    new_open = TimeField(_l("New opening time"), validators=REQUIRED)


class BidForm(PlacementBidForm):
    yield_pct = DecimalField(_l("Yield, %"), places=None, validators=[Optional()])
    investor_type = SelectField(_l("Investor type"), choices=choices(INVESTOR_TYPE_LABELS), default="broker_dealer")
    client_name = StringField(_l("Client's name (bid for a client)"), validators=[Length(max=200)])
    client_iin = StringField(_l("Client's IIN/BIN"), validators=[Length(max=12)])

    def entry(self) -> BidEntry:
        return BidEntry(kind=self.kind.data, quantity=self.quantity.data, price=self.price.data,
                        yield_pct=self.yield_pct.data, client_name=self.client_name.data,
                        client_iin=self.client_iin.data, investor_type=self.investor_type.data,
                        custodian_id=self.custodian())


class DecisionForm(FlaskForm):
    satisfy = SelectField(_l("Decision"), choices=[SelectChoice("yes", _l("Satisfy")),
                                                   SelectChoice("no", _l("Refuse all bids"))])
    cutoff_price = DecimalField(_l("Cut-off price"), places=None, validators=[Optional()])
    quantity = IntegerField(_l("Volume to place, securities"), validators=[Optional(), NumberRange(min=1)])
    market_fill_percent = DecimalField(_l("Market bids satisfied, %"), places=None, default=Decimal(100),
                                       validators=[Optional(), NumberRange(0, 100)])
    reason = TextAreaField(_l("Reason (for a refusal)"), validators=[Length(max=2000)])


class ExploreForm(FlaskForm):
    class Meta:
        csrf = False   # a GET form: it only reads

    quantity = IntegerField(_l("Volume to place"), validators=[Optional(), NumberRange(min=1)])
    market_fill_percent = DecimalField(_l("Market bids satisfied, %"), places=None,
                                       validators=[Optional(), NumberRange(0, 100)])
