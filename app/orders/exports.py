"""The cabinet's lists as XLSX: one row per order or deal, numbers as numbers, times in Almaty."""
from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from app.domain.calendar import ALMATY
from app.orders.forms import ORDER_STATUS_LABELS
from app.secondary.trading.forms import SIDE_LABELS, TYPE_LABELS

MONEY_FORMAT = "#,##0.00"
PRICE_FORMAT = "#,##0.00######"
TIME_FORMAT = "dd.mm.yyyy hh:mm:ss"


def orders_xlsx(orders) -> bytes:
    header = [_("Order"), _("Created"), _("Market"), _("Instrument"), _("Side"), _("Type"), _("Price"),
              _("Lots"), _("Quantity"), _("Filled lots"), _("Amount"), _("Currency"), _("Status"), _("Reason")]
    rows = [[order.id, _local(order.created_at), order.venue.upper(), order.code, str(SIDE_LABELS[order.side]),
             str(TYPE_LABELS[order.type]), order.price, order.lots, order.quantity, order.filled_lots, order.amount,
             order.currency, str(ORDER_STATUS_LABELS[order.status]), order.reason or ""] for order in orders]
    return _book(_("Orders"), header, rows, {2: TIME_FORMAT, 7: PRICE_FORMAT, 11: MONEY_FORMAT})


def deals_xlsx(deals) -> bytes:
    header = [_("Deal"), _("Time"), _("Order"), _("Market"), _("Instrument"), _("Side"), _("Price"), _("Quantity"),
              _("Amount"), _("Currency"), _("Settlement date")]
    rows = [[fill.id, _local(fill.traded_at), order.id, order.venue.upper(), order.code, str(SIDE_LABELS[order.side]),
             fill.price, fill.quantity, fill.amount, order.currency, fill.settles_on] for fill, order in deals]
    return _book(_("Deals"), header, rows, {2: TIME_FORMAT, 7: PRICE_FORMAT, 9: MONEY_FORMAT, 11: "dd.mm.yyyy"})


def _local(moment):
    """openpyxl writes naive datetimes: the Almaty wall time the client reads."""
    return moment.astimezone(ALMATY).replace(tzinfo=None)


def _book(title: str, header: list, rows: list[list], formats: dict[int, str]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for column, number_format in formats.items():
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = number_format
    sheet.freeze_panes = "A2"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
