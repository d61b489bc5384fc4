"""End-of-day exchange certificates (issue 5): one PDF per member firm and trading day listing
every deal the firm took part in.  Per exchange practice the two parties to a deal see each
other's name; nobody else sees either, so a certificate goes only to its own firm and staff.
Built from plain rows (primitives), never ORM objects, for the PDF template."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.auth.models import Organisation
from app.auth.roles import OrganisationKind
from app.registers.pdf import render_document
from app.secondary.models import MarketTrade, TradingAccount
from app.secondary.trading.forms import SIDE_LABELS, TRADE_STATUS_LABELS
from app.secondary.trading.services import firm_account_ids

KIND_LABELS = {"book": _l("order book"), "direct": _l("direct deal"), "repo_open": _l("repo, opening leg"),
               "repo_close": _l("repo, closing leg")}


@dataclass(frozen=True)
class CertificateLine:
    number: int
    traded_at: datetime
    instrument: str
    isin: str
    is_bond: bool
    code: str
    kind: str
    side: str                # buy | sell: the firm's side
    side_label: str
    account: str
    price: Decimal
    quantity: int
    amount: Decimal
    currency: str
    counterparty: str
    settles_on: date
    status: str


@dataclass(frozen=True)
class FirmDeals:
    organisation_id: int
    name: str
    deals: int


def deal_lines(session, organisation_id: int, day: date) -> list[CertificateLine]:
    """Every deal of `day` with an account of the firm, one line per side the firm took (a
    deal between two of its own accounts gives two lines), in order of registration."""
    mine = firm_account_ids(session, organisation_id)
    parties = (selectinload(MarketTrade.buyer_account).joinedload(TradingAccount.organisation),
               selectinload(MarketTrade.seller_account).joinedload(TradingAccount.organisation))
    trades = session.scalars(select(MarketTrade).where(
        MarketTrade.trade_day == day,
        or_(MarketTrade.buyer_account_id.in_(mine), MarketTrade.seller_account_id.in_(mine)))
        .options(joinedload(MarketTrade.instrument), *parties).order_by(MarketTrade.id))
    lines = []
    for trade in trades:
        for side, account, other in (("buy", trade.buyer_account, trade.seller_account),
                                     ("sell", trade.seller_account, trade.buyer_account)):
            if account.id in mine:
                lines.append(_line(trade, side, account, other))
    return lines


def _line(trade: MarketTrade, side: str, account: TradingAccount, other: TradingAccount) -> CertificateLine:
    instrument = trade.instrument
    return CertificateLine(
        trade.id, trade.traded_at, instrument.code, instrument.isin, instrument.face_value is not None,
        trade.settlement_code, str(KIND_LABELS.get(trade.kind, trade.kind)), side, str(SIDE_LABELS[side]),
        account.code, trade.price, trade.quantity, trade.amount, instrument.currency,
        other.organisation.name, trade.settles_on, str(TRADE_STATUS_LABELS.get(trade.status, trade.status)))


def totals(lines: list[CertificateLine]) -> list[dict]:
    """Bought and sold amounts per currency."""
    out: dict[str, dict] = {}
    for line in lines:
        row = out.setdefault(line.currency, {"currency": line.currency, "bought": Decimal(0),
                                             "sold": Decimal(0), "deals": 0})
        row["bought" if line.side == "buy" else "sold"] += line.amount
        row["deals"] += 1
    return [out[currency] for currency in sorted(out)]


def certificate_pdf(session, organisation: Organisation, day: date) -> bytes:
    lines = deal_lines(session, organisation.id, day)
    return render_document("secondary/certificate.html", day=day, firm=organisation.name,
                           firm_bin=organisation.bin, number=f"{day:%Y%m%d}-{organisation.id}",
                           lines=lines, totals=totals(lines))


def certificate_filename(organisation: Organisation, day: date) -> str:
    return f"exchange-certificate-{day.isoformat()}-{organisation.id}.pdf"


def firms_of_day(session, day: date) -> list[FirmDeals]:
    """Every active member firm with the number of its deals that day (as buyer or seller)."""
    sides = (select(TradingAccount.organisation_id.label("firm"), MarketTrade.id.label("trade"))
             .join(MarketTrade, or_(MarketTrade.buyer_account_id == TradingAccount.id,
                                    MarketTrade.seller_account_id == TradingAccount.id))
             .where(MarketTrade.trade_day == day).distinct().subquery())
    counts = dict(session.execute(select(sides.c.firm, func.count()).group_by(sides.c.firm)).all())
    firms = session.scalars(select(Organisation).where(
        Organisation.kind == OrganisationKind.MEMBER_FIRM, Organisation.is_active).order_by(Organisation.name))
    return [FirmDeals(firm.id, firm.name, counts.get(firm.id, 0)) for firm in firms]


def member_firm(session, organisation_id: int) -> Organisation | None:
    firm = session.get(Organisation, organisation_id)
    return firm if firm is not None and firm.kind == OrganisationKind.MEMBER_FIRM else None

