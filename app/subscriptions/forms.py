"""Forms of the subscription pages."""
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateTimeLocalField, DecimalField, IntegerField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.validators import Length, NumberRange, Optional

from app.domain.calendar import ALMATY, from_almaty_wall_clock
from app.placement.forms import REQUIRED, PlacementBidForm, choices
from app.subscriptions import labels
from app.subscriptions.bidding import OfferingBidEntry
from app.subscriptions.services import CATEGORIES, OfferingTerms

WHEN = "%Y-%m-%dT%H:%M"


class OfferingForm(FlaskForm):
    security_name = StringField(_l("Security name"), validators=REQUIRED + [Length(max=200)])
    isin = StringField(_l("ISIN"), validators=REQUIRED + [Length(min=12, max=12, message=_l("An ISIN has 12 characters."))])
    issuer_id = SelectField(_l("Issuer"), choices=[], validate_choice=False)
    is_bond = BooleanField(_l("Bonds (prices as a percentage of face value)"))
    face_value = DecimalField(_l("Face value, ₸"), places=None, validators=REQUIRED, default=Decimal(1000))
    quantity = IntegerField(_l("Quantity offered"), validators=REQUIRED + [NumberRange(min=1)])
    price_min = DecimalField(_l("Price from"), places=None, validators=REQUIRED)
    price_max = DecimalField(_l("Price to (same for a fixed price)"), places=None, validators=REQUIRED)
    period_start_at = DateTimeLocalField(_l("Bid period starts"), format=WHEN, validators=REQUIRED)
    period_end_at = DateTimeLocalField(_l("Bid period ends"), format=WHEN, validators=REQUIRED)
    collateral_check_at = DateTimeLocalField(_l("Collateral check"), format=WHEN, validators=REQUIRED)
    register_due_at = DateTimeLocalField(_l("Accepted register due"), format=WHEN, validators=REQUIRED)
    answer_due_at = DateTimeLocalField(_l("Seller's answer due"), format=WHEN, validators=REQUIRED)
    with_ccp = BooleanField(_l("With the central counterparty"))
    also_with_ccp = BooleanField(_l("Also file the same offering with the central counterparty (two applications, one offering)"))
    settlement_code = SelectField(_l("Settlement code"), choices=choices(labels.CODE_LABELS))
    settlement_organisation = StringField(_l("Settlement organisation (empty: the central depository)"),
                                          validators=[Length(max=200)])
    investor_categories = SelectMultipleField(_l("Eligible investors"), choices=choices(labels.CATEGORY_LABELS),
                                              default=list(CATEGORIES))
    minimum_bid_amount = DecimalField(_l("Minimum bid, ₸"), places=None, default=Decimal(0), validators=[Optional()])
    is_private = BooleanField(_l("Private placement"))
    market_bids_allowed = BooleanField(_l("Market bids allowed"))
    terms_note = TextAreaField(_l("Other terms"), validators=[Length(max=4000)])

    def terms(self) -> OfferingTerms:
        when = {name: from_almaty_wall_clock(getattr(self, name).data) for name in (
            "period_start_at", "period_end_at", "collateral_check_at", "register_due_at", "answer_due_at")}
        return OfferingTerms(
            security_name=self.security_name.data.strip(), isin=self.isin.data, face_value=self.face_value.data,
            quantity=self.quantity.data, price_min=self.price_min.data, price_max=self.price_max.data,
            settlement_code=self.settlement_code.data, minimum_bid_amount=self.minimum_bid_amount.data or Decimal(0),
            is_bond=self.is_bond.data, with_ccp=self.with_ccp.data,
            settlement_organisation=(self.settlement_organisation.data or "").strip() or None,
            investor_categories=list(self.investor_categories.data or []), is_private=self.is_private.data,
            market_bids_allowed=self.market_bids_allowed.data,
            issuer_id=int(self.issuer_id.data) if (self.issuer_id.data or "").isdigit() else None,
            terms_note=(self.terms_note.data or "").strip() or None, **when)


def local(instant: datetime) -> datetime:
    """An instant as the naive Almaty wall-clock reading a datetime-local input shows."""
    return instant.astimezone(ALMATY).replace(tzinfo=None)


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Reason or note"), validators=[Length(max=2000)])


class BidForm(PlacementBidForm):
    investor_iin = StringField(_l("Investor IIN/BIN (empty: own account)"), validators=[Length(max=12)])
    investor_name = StringField(_l("Investor name"), validators=[Length(max=200)])
    investor_category = SelectField(_l("Investor category"), choices=choices(labels.CATEGORY_LABELS),
                                    default="individual")
    qualified = BooleanField(_l("Qualified investor"))
    secured = BooleanField(_l("Cover is blocked (settlement code Z0)"))

    def entry(self) -> OfferingBidEntry:
        return OfferingBidEntry(
            kind=self.kind.data, quantity=self.quantity.data, price=self.price.data,
            investor_iin=(self.investor_iin.data or "").strip() or None,
            investor_name=(self.investor_name.data or "").strip() or None,
            investor_category=self.investor_category.data, qualified=self.qualified.data,
            custodian_id=self.custodian(), secured=self.secured.data)


class UploadForm(FlaskForm):
    file = FileField(_l("Satisfied bids register (XML or XLSX)"), validators=[FileRequired(_l("Choose a file."))])


class DetailsForm(FlaskForm):
    """App.8 §7: investor details a member enters when the depository has none; confidential."""
    address = StringField(_l("Investor's address"), validators=REQUIRED + [Length(max=300)])
    document = StringField(_l("Identity document (type, number, date)"), validators=REQUIRED + [Length(max=200)])
    account = StringField(_l("Depository account"), validators=REQUIRED + [Length(max=60)])
