"""Reference data of the secondary market (SPEC §4, §6): instruments, the day's reference
prices and member firms' trading-clearing accounts.

Every check runs before anything is written, so a refused change leaves no trace; every
change writes its audit row in the caller's transaction. Services flush; the caller commits.
"""
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import record
from app.auth.models import Organisation
from app.auth.roles import OrganisationKind
from app.clock.services import now
from app.domain.isin import isin_is_valid
from app.domain.market_rules import Corridor
from app.refusals import Refusal
from app.secondary.assets import CURRENCIES, is_currency
from app.secondary.models import AccountKind, Instrument, InstrumentKind, PriceSubject, ReferencePrice, TradingAccount

SETTLEMENT_CODES = ("T0", "T2")
COUPON_FREQUENCIES = (1, 2, 4, 12)          # payments a year
CODE_PATTERN = re.compile(r"^[A-Z0-9_]{1,20}$")
ACCOUNT_CODE_PATTERN = re.compile(r"^[A-Z0-9_]{1,30}$")
PRICE_LIMIT = Decimal(10) ** 12             # the PRICE column holds 12 whole digits
MONEY_LIMIT = Decimal(10) ** 18
MAX_LOT_SIZE = 1_000_000_000
SUBJECTS = {InstrumentKind.SHARE: {PriceSubject.MONEY}, InstrumentKind.BOND: {PriceSubject.CLEAN, PriceSubject.DIRTY}}
EDITABLE = ("isin", "name", "group", "currency", "face_value", "lot_size", "price_step", "price_subject",
            "settlement_codes", "corridor_percent", "coupon_rate", "coupon_frequency", "maturity_on", "repo_discount")
# Orders, trades and positions name an instrument by its code, and its kind says what a price means.
FIXED = ("code", "kind")


class ReferenceDataError(Refusal):
    """A refused change of instruments, reference prices or trading accounts."""


@dataclass(frozen=True)
class InstrumentRow:
    """An instrument with its day's reference price and the corridor's ends, if it has one."""
    instrument: Instrument
    reference: Decimal | None
    low: Decimal | None
    high: Decimal | None


# --- lists ---------------------------------------------------------------------------------

def instruments(session) -> list[Instrument]:
    return list(session.scalars(select(Instrument).order_by(Instrument.code)))


def accounts_of(session, organisation_id: int) -> list[TradingAccount]:
    return list(session.scalars(select(TradingAccount).where(TradingAccount.organisation_id == organisation_id)
                                .order_by(TradingAccount.code)))


def all_accounts(session) -> list[TradingAccount]:
    return list(session.scalars(select(TradingAccount).join(TradingAccount.organisation)
                                .order_by(Organisation.name, TradingAccount.code)))


def member_firms(session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).where(Organisation.kind == OrganisationKind.MEMBER_FIRM,
                                                           Organisation.is_active.is_(True))
                                .order_by(Organisation.name)))


def reference_price(session, instrument_id: int, trading_day: date) -> Decimal | None:
    return session.scalar(select(ReferencePrice.price).where(ReferencePrice.instrument_id == instrument_id,
                                                             ReferencePrice.trading_day == trading_day))


def reference_prices(session, trading_day: date) -> dict[int, Decimal]:
    """That day's reference price of every instrument that has one, by instrument id."""
    rows = session.execute(select(ReferencePrice.instrument_id, ReferencePrice.price)
                           .where(ReferencePrice.trading_day == trading_day))
    return dict(rows.all())


def instrument_rows(session, trading_day: date) -> list[InstrumentRow]:
    prices = reference_prices(session, trading_day)
    rows = []
    for instrument in instruments(session):
        price = prices.get(instrument.id)
        low, high = (None, None) if price is None else corridor_prices(instrument, price)
        rows.append(InstrumentRow(instrument, price, low, high))
    return rows


def recent_prices(session, instrument_id: int, limit: int = 10) -> list[ReferencePrice]:
    return list(session.scalars(select(ReferencePrice).where(ReferencePrice.instrument_id == instrument_id)
                                .order_by(ReferencePrice.trading_day.desc()).limit(limit)))


def corridor_prices(instrument: Instrument, reference: Decimal) -> tuple[Decimal, Decimal]:
    """The corridor's lowest and highest allowed prices: its ends in ticks × the price step."""
    corridor = Corridor.around(reference, instrument.corridor_percent, instrument.price_step)
    return corridor.low * instrument.price_step, corridor.high * instrument.price_step


# --- instruments ---------------------------------------------------------------------------

def create_instrument(session, *, code, isin, name, kind, group, currency, face_value, lot_size, price_step,
                      price_subject, settlement_codes: list[str], corridor_percent, coupon_rate=None,
                      coupon_frequency=None, maturity_on=None, repo_discount=None) -> Instrument:
    values = _checked_terms(dict(
        code=code, isin=isin, name=name, kind=kind, group=group, currency=currency, face_value=face_value,
        lot_size=lot_size, price_step=price_step, price_subject=price_subject, settlement_codes=settlement_codes,
        corridor_percent=corridor_percent, coupon_rate=coupon_rate, coupon_frequency=coupon_frequency,
        maturity_on=maturity_on, repo_discount=repo_discount))
    _check_unique(session, values, None)
    instrument = Instrument(**values, halted=False, created_at=now())
    session.add(instrument)
    session.flush()
    record(session, "instrument.created", "instrument", instrument.id, None, snapshot(instrument))
    return instrument


def update_instrument(session, instrument: Instrument, **changes) -> Instrument:
    """Any term but the trading code and the kind may change; the whole result is checked again."""
    for name in changes:
        if name in FIXED and changes[name] != getattr(instrument, name):
            raise ReferenceDataError(_l("The trading code and the kind of an instrument cannot change; "
                                        "create a new instrument instead."), name, "fixed_term")
        if name not in EDITABLE + FIXED:
            raise ValueError(f"not an instrument term: {name}")
    values = _checked_terms({**snapshot_values(instrument), **changes})
    _check_unique(session, values, instrument.id)
    before = snapshot(instrument)
    for name, value in values.items():
        setattr(instrument, name, value)
    session.flush()
    record(session, "instrument.updated", "instrument", instrument.id, before, snapshot(instrument))
    return instrument


def halt_instrument(session, instrument: Instrument, reason: str) -> Instrument:
    reason = (reason or "").strip()
    if instrument.halted:
        raise ReferenceDataError(_l("Trading in %(code)s is already halted.", code=instrument.code),
                                 None, "already_halted")
    if not reason:
        raise ReferenceDataError(_l("State the reason for the halt."), "reason", "reason_required")
    if len(reason) > 500:
        raise ReferenceDataError(_l("Keep the reason within 500 characters."), "reason", "reason_too_long")
    return _set_halt(session, instrument, True, reason, "instrument.halted")


def resume_instrument(session, instrument: Instrument) -> Instrument:
    if not instrument.halted:
        raise ReferenceDataError(_l("Trading in %(code)s is not halted.", code=instrument.code), None, "not_halted")
    return _set_halt(session, instrument, False, None, "instrument.resumed")


def _set_halt(session, instrument: Instrument, halted: bool, reason: str | None, action: str) -> Instrument:
    before = snapshot(instrument)
    instrument.halted, instrument.halt_reason = halted, reason
    session.flush()
    record(session, action, "instrument", instrument.id, before, snapshot(instrument))
    return instrument


def set_reference_price(session, instrument: Instrument, trading_day: date, price: Decimal) -> ReferencePrice:
    """Insert or replace the day's reference price: > 0, at most 4 decimals (the price column)."""
    if not isinstance(trading_day, date):
        raise ReferenceDataError(_l("Choose the trading day."), "trading_day", "day_required")
    price = _decimal(price, "price")
    if price is None or not 0 < price < PRICE_LIMIT:
        raise ReferenceDataError(_l("A reference price is a positive number."), "price", "bad_price")
    price = _places(price, 4, "price").quantize(Decimal("0.0001"))
    row = session.scalar(select(ReferencePrice).where(ReferencePrice.instrument_id == instrument.id,
                                                      ReferencePrice.trading_day == trading_day))
    before = None if row is None else str(row.price)
    if row is None:
        row = ReferencePrice(instrument_id=instrument.id, trading_day=trading_day)
        session.add(row)
    row.price = price
    session.flush()
    record(session, "reference_price.set", "instrument", instrument.id,
           None if before is None else {"trading_day": trading_day.isoformat(), "price": before},
           {"trading_day": trading_day.isoformat(), "price": str(price)})
    return row


def snapshot_values(instrument: Instrument) -> dict:
    """The terms as stored, by service argument name (settlement codes as a list)."""
    values = {name: getattr(instrument, name) for name in FIXED + EDITABLE}
    return {**values, "settlement_codes": instrument.codes}


def snapshot(instrument: Instrument) -> dict:
    values = {**snapshot_values(instrument), "settlement_codes": instrument.settlement_codes,
              "halted": instrument.halted, "halt_reason": instrument.halt_reason}
    return {name: value if value is None or isinstance(value, (bool, int, str)) else str(value)
            for name, value in values.items()}


# --- instrument checks ---------------------------------------------------------------------

def _checked_terms(values: dict) -> dict:
    """The terms normalised (stripped text, Decimals, "T0,T2"), or the first refusal."""
    checked = _checked_identity(values)
    checked.update(_checked_trading(values, checked["kind"]))
    checked.update(_checked_bond(values, checked["kind"]))
    return checked


def _checked_identity(values: dict) -> dict:
    code = _text(values["code"]).upper()
    if not CODE_PATTERN.match(code):
        raise ReferenceDataError(_l("A trading code is 1–20 capital Latin letters, digits or underscores."),
                                 "code", "bad_code")
    if is_currency(code):
        # Positions keep money under the currency code and securities under the trading code.
        raise ReferenceDataError(_l("A trading code may not be a currency code."), "code", "code_is_currency")
    isin = _text(values["isin"]).upper()
    if not isin_is_valid(isin):
        raise ReferenceDataError(_l("This is not a valid ISIN: 12 characters with a correct check digit."),
                                 "isin", "bad_isin")
    name = _required_text(values["name"], 200, "name", _l("Enter the instrument's name (at most 200 characters)."))
    group = _required_text(values["group"], 40, "group", _l("Enter the list or group (at most 40 characters)."))
    currency = _text(values["currency"]).upper()
    if not is_currency(currency):
        raise ReferenceDataError(_l("The currency must be one of %(codes)s.", codes=", ".join(CURRENCIES)),
                                 "currency", "bad_currency")
    kind = _text(values["kind"])
    if kind not in set(InstrumentKind):
        raise ReferenceDataError(_l("Choose shares or bonds."), "kind", "bad_kind")
    return {"code": code, "isin": isin, "name": name, "group": group, "currency": currency, "kind": kind}


def _checked_trading(values: dict, kind: str) -> dict:
    step = _decimal(values["price_step"], "price_step")
    if step is None or not 0 < step < PRICE_LIMIT:
        raise ReferenceDataError(_l("The price step must be greater than zero."), "price_step", "bad_price_step")
    _places(step, 4, "price_step")
    lot = values["lot_size"]
    if not isinstance(lot, int) or isinstance(lot, bool) or not 1 <= lot <= MAX_LOT_SIZE:
        raise ReferenceDataError(_l("A lot is a whole number of securities, at least 1."), "lot_size", "bad_lot_size")
    corridor = _decimal(values["corridor_percent"], "corridor_percent")
    if corridor is None or not 0 < corridor <= 100:
        raise ReferenceDataError(_l("The price corridor must be more than 0 % and at most 100 %."),
                                 "corridor_percent", "bad_corridor")
    _places(corridor, 2, "corridor_percent")
    subject = _text(values["price_subject"])
    if subject not in SUBJECTS[InstrumentKind(kind)]:
        message = (_l("Shares trade in money (tenge per share).") if kind == InstrumentKind.SHARE
                   else _l("Bonds trade in clean or dirty prices."))
        raise ReferenceDataError(message, "price_subject", "bad_price_subject")
    return {"price_step": step, "lot_size": lot, "corridor_percent": corridor, "price_subject": subject,
            "settlement_codes": _checked_codes(values["settlement_codes"]),
            "repo_discount": _checked_discount(values["repo_discount"])}


def _checked_codes(codes) -> str:
    chosen = {_text(code).upper() for code in (codes or [])}
    if not chosen or not chosen <= set(SETTLEMENT_CODES):
        raise ReferenceDataError(_l("Choose at least one settlement code: T0 or T2."), "settlement_codes",
                                 "bad_settlement_codes")
    return ",".join(code for code in SETTLEMENT_CODES if code in chosen)


def _checked_discount(value) -> Decimal | None:
    """App.5: the automatic repo discount, a fraction of the price."""
    discount = _decimal(value, "repo_discount")
    if discount is not None and not 0 <= discount < 1:
        raise ReferenceDataError(_l("A repo discount is a fraction from 0 to below 1, e.g. 0.15."),
                                 "repo_discount", "bad_repo_discount")
    return discount if discount is None else _places(discount, 4, "repo_discount")


def _checked_bond(values: dict, kind: str) -> dict:
    face = _decimal(values["face_value"], "face_value")
    rate = _decimal(values["coupon_rate"], "coupon_rate")
    frequency, maturity = values["coupon_frequency"], values["maturity_on"]
    if kind == InstrumentKind.SHARE and (rate is not None or frequency is not None or maturity is not None):
        raise ReferenceDataError(_l("Shares have no coupon or maturity; leave those fields empty."),
                                 "coupon_rate", "share_with_coupon")
    if face is not None and not 0 < face < MONEY_LIMIT:
        raise ReferenceDataError(_l("The face value must be greater than zero."), "face_value", "bad_face_value")
    if face is not None:
        _places(face, 2, "face_value")
    if kind == InstrumentKind.BOND and face is None:
        raise ReferenceDataError(_l("A bond needs its face value."), "face_value", "face_value_required")
    if kind == InstrumentKind.BOND:
        _check_coupon(rate, frequency, maturity)
    return {"face_value": face, "coupon_rate": rate, "coupon_frequency": frequency, "maturity_on": maturity}


def _check_coupon(rate: Decimal | None, frequency, maturity) -> None:
    """A coupon bond needs its rate, payments a year and maturity; a discount bond states no frequency."""
    if rate is not None and not 0 <= rate < 1000:
        raise ReferenceDataError(_l("A coupon rate is a percentage per annum from 0."), "coupon_rate",
                                 "bad_coupon_rate")
    if rate is not None:
        _places(rate, 4, "coupon_rate")
    coupon = bool(rate) or frequency is not None
    if coupon and rate is None:
        raise ReferenceDataError(_l("A coupon bond needs its coupon rate."), "coupon_rate", "coupon_rate_required")
    if coupon and frequency not in COUPON_FREQUENCIES:
        raise ReferenceDataError(_l("Coupons are paid 1, 2, 4 or 12 times a year."), "coupon_frequency",
                                 "bad_coupon_frequency")
    if coupon and not isinstance(maturity, date):
        raise ReferenceDataError(_l("A coupon bond needs its maturity date."), "maturity_on", "maturity_required")


def _check_unique(session, values: dict, own_id: int | None) -> None:
    for column, message in ((Instrument.code, _l("An instrument with this trading code already exists.")),
                            (Instrument.isin, _l("An instrument with this ISIN already exists."))):
        holder = session.scalar(select(Instrument.id).where(column == values[column.key]))
        if holder is not None and holder != own_id:
            raise ReferenceDataError(message, column.key, f"duplicate_{column.key}")


# --- trading accounts ----------------------------------------------------------------------

def create_account(session, *, organisation: Organisation, code, kind, client_name=None,
                   client_code=None) -> TradingAccount:
    """Only member firms hold accounts; a client account names its one client, no other does."""
    if organisation is None:
        raise ReferenceDataError(_l("Choose the member firm."), "organisation_id", "firm_required")
    if organisation.kind != OrganisationKind.MEMBER_FIRM:
        raise ReferenceDataError(_l("Only a member firm may hold trading accounts."), "organisation_id",
                                 "not_member_firm")
    if not organisation.is_active:
        raise ReferenceDataError(_l("That member firm is inactive."), "organisation_id", "inactive_firm")
    code = _text(code).upper()
    if not ACCOUNT_CODE_PATTERN.match(code):
        raise ReferenceDataError(_l("An account code is 1–30 capital Latin letters, digits or underscores."),
                                 "code", "bad_account_code")
    if _text(kind) not in set(AccountKind):
        raise ReferenceDataError(_l("Choose the kind of account."), "kind", "bad_account_kind")
    client_name, client_code = _checked_client(AccountKind(_text(kind)), client_name, client_code)
    if session.scalar(select(TradingAccount.id).where(TradingAccount.code == code)) is not None:
        raise ReferenceDataError(_l("A trading account with this code already exists."), "code",
                                 "duplicate_account_code")
    account = TradingAccount(organisation_id=organisation.id, code=code, kind=_text(kind),
                             client_name=client_name, client_code=client_code, is_active=True)
    session.add(account)
    session.flush()
    record(session, "trading_account.created", "trading_account", account.id, None, account_snapshot(account))
    return account


def _checked_client(kind: AccountKind, client_name, client_code) -> tuple[str | None, str | None]:
    name, code = _text(client_name), _text(client_code)
    if kind != AccountKind.CLIENT:
        if name or code:
            raise ReferenceDataError(_l("Only a client account names a client; leave the client fields empty."),
                                     "client_code", "client_not_allowed")
        return None, None
    if not code or len(code) > 30:
        raise ReferenceDataError(_l("A client account needs the client's code (at most 30 characters)."),
                                 "client_code", "client_code_required")
    if not name or len(name) > 200:
        raise ReferenceDataError(_l("A client account needs the client's name (at most 200 characters)."),
                                 "client_name", "client_name_required")
    return name, code


def account_snapshot(account: TradingAccount) -> dict:
    return {"organisation_id": account.organisation_id, "code": account.code, "kind": account.kind,
            "client_name": account.client_name, "client_code": account.client_code, "is_active": account.is_active}


# --- small checks --------------------------------------------------------------------------

def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _required_text(value, limit: int, field: str, message) -> str:
    text = _text(value)
    if not text or len(text) > limit:
        raise ReferenceDataError(message, field, f"bad_{field}")
    return text


def _decimal(value, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ReferenceDataError(_l("Enter a number."), field, "not_a_number")
    return number


def _places(value: Decimal, places: int, field: str) -> Decimal:
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise ReferenceDataError(_l("Use at most %(places)d decimal places.", places=places), field, "too_many_places")
    return value
