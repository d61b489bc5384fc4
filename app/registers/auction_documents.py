"""An auction's registers and notices as files (App.7 §6–8): the summary register (PDF, XLSX), the
deal register, the exchange certificate and the results notice's figures — bytes from plain rows,
built here; views only send them."""
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app import formatting

from app.auctions import labels
from app.domain.demand_chart import demand_chart as _chart
from app.auctions.models import Auction, Bid, Deal, DealStatus, Notice, NoticeKind
from app.auctions.results import SummaryRegister, active_bids, summary_register, yield_of
from app.auth.models import Organisation
from app.registers.pdf import render_document
from app.registers.table_pdf import Column, table_document
from app.registers.xlsx import Sheet, workbook_bytes


def demand_chart(auction: Auction, levels) -> dict:
    """Two views of one curve: against price, and against yield when the security has one."""
    by_price = _chart([(level.price, level.cumulative_quantity) for level in levels],
                      auction.declared_quantity, _("Price"))
    by_yield = None
    if auction.is_bond:
        by_yield = _chart([(level.yield_pct, level.cumulative_quantity) for level in levels],
                          auction.declared_quantity, _("Yield, %"))
    return {"price": by_price, "yield": by_yield}


# --- summary register -------------------------------------------------------------------------------

def summary_register_pdf(summary: SummaryRegister, named: bool) -> bytes:
    return render_document("auctions/pdf/register.html", register=summary, named=named,
                           auction=summary.auction, L=labels.LABELS)


def summary_register_xlsx(summary: SummaryRegister, named: bool) -> bytes:
    auction = summary.auction
    levels = Sheet(_("Price levels"), [_("Price"), _("Yield, %"), _("Bids"), _("Quantity"),
                                       _("Cumulative quantity"), _("Cumulative, percent of declared")],
                   [(level.price, level.yield_pct, level.bid_count, level.quantity, level.cumulative_quantity,
                     level.cumulative_percent) for level in summary.levels])
    sheets = [_terms_sheet(auction), levels]
    header = [_("Bid"), _("Price"), _("Yield, %"), _("Quantity"), _("Investor type")]
    rows = [(str(labels.BID_KIND_LABELS[bid.kind]), bid.price, bid.yield_pct, bid.quantity,
             str(labels.INVESTOR_TYPE_LABELS.get(bid.investor_type, bid.investor_type))) for bid in summary.bids]
    if named:
        header = [_("Participant")] + header
        rows = [(bid.organisation.name, *row) for bid, row in zip(summary.bids, rows)]
    sheets.append(Sheet(_("Bids"), header, rows))
    return workbook_bytes(sheets, title=_("Summary register"))


def _terms_sheet(auction: Auction) -> Sheet:
    rows = [
        (_("Auction"), auction.number), (_("Security"), auction.security_name), (_("ISIN"), auction.isin),
        (_("Trade date"), auction.trade_date), (_("Declared quantity"), auction.declared_quantity),
        (_("Face value, ₸"), auction.face_value), (_("Payment date"), auction.payment_date),
    ]
    return Sheet(_("Terms"), [_("Term"), _("Value")], rows)


# --- deal register and certificates ----------------------------------------------------------------

def deal_register_pdf(session, auction: Auction, progress=None) -> bytes:
    """The deal register as PDF, every deal of the auction in deal order; drawn by ReportLab
    (`registers.table_pdf`), so thousands of deals take seconds, not minutes."""
    deals = session.execute(
        select(Deal.number, Organisation.name, Organisation.bin, Bid.client_name, Bid.client_iin, Deal.quantity,
               Deal.price, Deal.yield_pct, Deal.amount, Deal.status)
        .join(Organisation, Organisation.id == Deal.organisation_id).join(Bid, Bid.id == Deal.bid_id)
        .where(Deal.auction_id == auction.id).order_by(Deal.id)).all()
    rows = ((number, name, bin_ or "", " ".join(part for part in (client, iin) if part), formatting.quantity(quantity),
             formatting.price(price), formatting.price(yield_pct), formatting.money(amount),
             str(labels.DEAL_STATUS_LABELS[status]))
            for number, name, bin_, client, iin, quantity, price, yield_pct, amount, status in deals)
    total = ("", _("Total"), "", "", formatting.quantity(sum(deal.quantity for deal in deals)), "", "",
             formatting.money(sum((deal.amount for deal in deals), Decimal(0))), "")
    lead = " · ".join((
        " ".join((_("Confidential: for the initiator."), auction.security_name)), auction.isin,
        " ".join((_("cut-off price"), formatting.price(auction.cutoff_price))),
        " ".join((_("payment date"), formatting.short_date(auction.payment_date)))))
    title = " · ".join((_("Deal register"), auction.number))
    return table_document(title, lead, _deal_columns(), rows, total, progress)


def _deal_columns() -> list[Column]:
    """Built per call: the titles are translated into the reader's language."""
    return [Column(_("Deal"), 34), Column(_("Participant"), 44, wraps=True), Column(_("BIN"), 22),
            Column(_("Client"), 46, wraps=True), Column(_("Quantity"), 22, numeric=True),
            Column(_("Price"), 18, numeric=True), Column(_("Yield, %"), 24, numeric=True),
            Column(_("Amount"), 30, numeric=True), Column(_("Status"), 33, wraps=True)]


def deal_register_xlsx(auction: Auction) -> bytes:
    header = [_("Deal"), _("Participant"), _("BIN"), _("Client"), _("Client IIN/BIN"), _("Quantity"), _("Price"),
              _("Yield, %"), _("Accrued interest"), _("Amount, ₸"), _("Settlement date"), _("Status")]
    rows = [(deal.number, deal.organisation.name, deal.organisation.bin, deal.bid.client_name, deal.bid.client_iin,
             deal.quantity, deal.price, deal.yield_pct, deal.accrued_interest.quantize(Decimal("0.0001")),
             deal.amount, deal.settlement_date, str(labels.DEAL_STATUS_LABELS[deal.status]))
            for deal in auction.deals]
    return workbook_bytes([_terms_sheet(auction), Sheet(_("Deals"), header, rows)], title=_("Deal register"))


def certificate_pdf(deal: Deal) -> bytes:
    return render_document("auctions/pdf/certificate.html", deal=deal, auction=deal.auction, bid=deal.bid,
                           L=labels.LABELS)


# --- notices ----------------------------------------------------------------------------------------

def notice_context(notice: Notice) -> dict:
    auction = notice.auction
    context = {"notice": notice, "auction": auction}
    if notice.kind in (NoticeKind.RESULTS, NoticeKind.FAILED) and auction.closed_at is not None:
        context["register"] = summary_register(auction)
    if notice.kind == NoticeKind.RESULTS:
        context["outcome"] = outcome(auction)
    return context


def outcome(auction: Auction) -> dict:
    """SPEC §8 result block, from the settled deals; ratios on face value."""
    deals = [deal for deal in auction.deals if deal.status == DealStatus.SETTLED]
    quantity = sum(deal.quantity for deal in deals)
    demand = sum(bid.quantity for bid in active_bids(auction))
    prices = [deal.price for deal in deals]
    yields = [(deal.yield_pct, deal.quantity) for deal in deals if deal.yield_pct is not None]
    of_yield = yield_of(auction)
    return {
        "quantity": quantity, "face_value_total": quantity * auction.face_value,
        "amount": sum((deal.amount for deal in deals), Decimal(0)), "deals": len(deals),
        "participants": len({deal.organisation_id for deal in deals}),
        "percent_of_plan": _percent(quantity, auction.declared_quantity),
        "percent_of_demand": _percent(quantity, demand),
        "price_min": min(prices, default=None), "price_max": max(prices, default=None),
        "price_average": _weighted([(deal.price, deal.quantity) for deal in deals]),
        "yield_at_cutoff": of_yield(auction.cutoff_price) if of_yield and auction.cutoff_price else None,
        "yield_min": min((y for y, _ in yields), default=None), "yield_max": max((y for y, _ in yields), default=None),
        "yield_average": _weighted(yields),
    }


def _percent(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.01")) if whole else None


def _weighted(pairs) -> Decimal | None:
    total = sum(quantity for _, quantity in pairs)
    if not total:
        return None
    return (sum(value * quantity for value, quantity in pairs) / total).quantize(Decimal("0.0001"))
