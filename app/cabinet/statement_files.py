"""The statement as files: XLSX (numbers stay numbers) and PDF (ReportLab, `registers.table_pdf`).
Both have the page's sections: balances, money movements, securities movements."""
from flask_babel import gettext as _

from app import formatting
from app.brokerage.forms import LEDGER_SOURCE_LABELS, VENUE_LABELS
from app.cabinet.statement import Account, Statement
from app.registers.table_pdf import Column, Section, sections_document
from app.registers.xlsx import Sheet, workbook_bytes


def sub_account(account: Account) -> str:
    return str(VENUE_LABELS.get(account.venue, account.venue)) if account.venue else _("Money")


def source_label(source: str) -> str:
    return str(LEDGER_SOURCE_LABELS.get(source, source))


def file_name(statement: Statement, extension: str) -> str:
    period = statement.period
    return f"statement-{statement.client.agreement_number}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.{extension}"


# --- XLSX -------------------------------------------------------------------------------------

def statement_xlsx(statement: Statement) -> bytes:
    balances = Sheet(_("Balances"), [_("Sub-account"), _("Asset"), _("Opening balance"), _("Credits"), _("Debits"),
                                     _("Closing balance")],
                     [(sub_account(a), a.asset, a.opening, a.credits, a.debits, a.closing) for a in statement.accounts])
    sheets = [_about_sheet(statement), balances,
              _movements_sheet(_("Money"), statement.money), _movements_sheet(_("Securities"), statement.securities)]
    return workbook_bytes(sheets, title=_("Statement of account"))


def _about_sheet(statement: Statement) -> Sheet:
    client = statement.client
    return Sheet(_("Statement"), [_("Item"), _("Value")], [
        (_("Client"), client.full_name), (_("IIN"), client.iin), (_("Agreement"), client.agreement_number),
        (_("Agreement date"), client.agreement_date), (_("Broker"), client.firm.name),
        (_("Period from"), statement.period.first), (_("Period to"), statement.period.last)])


def _movements_sheet(title: str, accounts: list[Account]) -> Sheet:
    header = [_("Sub-account"), _("Asset"), _("Date and time"), _("Source"), _("Reference"), _("Amount"),
              _("Settlement date")]
    rows = []
    for account in accounts:
        where = (sub_account(account), account.asset)
        rows.append((*where, None, _("Opening balance"), None, account.opening, None))
        rows += [(*where, m.at, source_label(m.source), m.reference, m.amount, m.settles_on) for m in account.movements]
        rows.append((*where, None, _("Closing balance"), None, account.closing, None))
    return Sheet(title, header, rows)


# --- PDF --------------------------------------------------------------------------------------

def statement_pdf(statement: Statement) -> bytes:
    client, period = statement.client, statement.period
    lead = [" · ".join((client.full_name, f"{_('IIN')} {client.iin}")),
            " · ".join((f"{_('Agreement')} {client.agreement_number}", formatting.short_date(client.agreement_date))),
            f"{_('Broker')}: {client.firm.name}",
            f"{_('Period')}: {formatting.short_date(period.first)} – {formatting.short_date(period.last)}"]
    return sections_document(_("Statement of account"), lead, [
        _balances_section(statement), _movements_section(_("Money"), statement.money),
        _movements_section(_("Securities"), statement.securities)])


def _figure(account: Account, amount) -> str:
    return formatting.money(amount, account.asset) if account.is_money else formatting.quantity(amount)


def _balances_section(statement: Statement) -> Section:
    columns = [Column(_("Sub-account"), 50, wraps=True), Column(_("Asset"), 35), Column(_("Opening balance"), 47, numeric=True),
               Column(_("Credits"), 47, numeric=True), Column(_("Debits"), 47, numeric=True),
               Column(_("Closing balance"), 47, numeric=True)]
    rows = [(sub_account(a), a.asset, _figure(a, a.opening), _figure(a, a.credits), _figure(a, a.debits),
             _figure(a, a.closing)) for a in statement.accounts]
    return Section(_("Balances"), columns, rows or [(_("Nothing on the accounts in this period."), "", "", "", "", "")])


def _movements_section(heading: str, accounts: list[Account]) -> Section:
    columns = [Column(_("Sub-account"), 40, wraps=True), Column(_("Asset"), 30), Column(_("Date and time"), 32),
               Column(_("Source"), 40, wraps=True), Column(_("Reference"), 55, wraps=True),
               Column(_("Amount"), 44, numeric=True), Column(_("Settlement date"), 32)]
    rows, bold = [], set()
    for account in accounts:
        where = (sub_account(account), account.asset)
        bold.add(len(rows))
        rows.append((*where, "", _("Opening balance"), "", _figure(account, account.opening), ""))
        rows += [(*where, formatting.almaty_datetime(m.at), source_label(m.source), m.reference or "",
                  _figure(account, m.amount), formatting.short_date(m.settles_on) if m.settles_on else "")
                 for m in account.movements]
        bold.add(len(rows))
        rows.append((*where, "", _("Closing balance"), "", _figure(account, account.closing), ""))
    if not rows:
        rows = [("", "", "", _("No movements."), "", "", "")]
    return Section(heading, columns, rows, frozenset(bold))
