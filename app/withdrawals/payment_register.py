"""The day's payment register of a firm's withdrawals: XLSX for people, XML for the bank's
systems. The XML is validated against its published schema before it leaves the desk."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from flask_babel import gettext as _
from lxml import etree

from app.registers.xlsx import Sheet, workbook_bytes
from app.withdrawals.models import WithdrawalInstruction

SCHEMA_PATH = Path(__file__).with_name("payment_register.xsd")
NAMESPACE = "urn:auction-desk:payment-register:1"
_schema: etree.XMLSchema | None = None


class InvalidRegister(RuntimeError):
    """The desk built XML its own schema refuses: a bug, never sent."""


@dataclass(frozen=True)
class RegisterFirm:
    name: str
    bin: str | None


def schema() -> etree.XMLSchema:
    global _schema
    if _schema is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        _schema = etree.XMLSchema(etree.parse(str(SCHEMA_PATH), parser))
    return _schema


def schema_bytes() -> bytes:
    return SCHEMA_PATH.read_bytes()


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _add(parent, name: str, text: str | None) -> None:
    if text is not None:
        etree.SubElement(parent, f"{{{NAMESPACE}}}{name}").text = text


def register_xml(firm: RegisterFirm, day: date, rows: list[WithdrawalInstruction], at: datetime) -> bytes:
    root = etree.Element(f"{{{NAMESPACE}}}PaymentRegister", nsmap={None: NAMESPACE},
                         day=day.isoformat(), createdAt=_instant(at))
    head = etree.SubElement(root, f"{{{NAMESPACE}}}Firm")
    _add(head, "Name", firm.name)
    _add(head, "BIN", firm.bin)
    for row in rows:
        _payment(root, row)
    for currency, (count, amount) in sorted(totals(rows).items()):
        etree.SubElement(root, f"{{{NAMESPACE}}}Total", currency=currency, count=str(count), amount=f"{amount:.2f}")
    content = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    check(content)
    return content


def _payment(root, row: WithdrawalInstruction) -> None:
    payment = etree.SubElement(root, f"{{{NAMESPACE}}}Payment", id=str(row.id), status=row.status)
    for name, text in (("ClientCode", row.client.client_code), ("AgreementNumber", row.client.agreement_number),
                       ("Beneficiary", row.beneficiary), ("BeneficiaryIIN", row.client.iin), ("IBAN", row.iban),
                       ("BankBIC", row.bank.bic), ("BankName", row.bank.name), ("Currency", row.currency),
                       ("Amount", f"{row.amount:.2f}"), ("SignedAt", _instant(row.signed_at)),
                       ("ApprovedAt", _instant(row.decided_at)),
                       ("PaidAt", _instant(row.paid_at) if row.paid_at else None),
                       ("PaymentReference", row.payment_reference)):
        _add(payment, name, text)


def check(content: bytes) -> None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    document = etree.fromstring(content, parser)
    if not schema().validate(document):
        raise InvalidRegister(str(schema().error_log))


def totals(rows: list[WithdrawalInstruction]) -> dict[str, tuple[int, Decimal]]:
    found: dict[str, list] = defaultdict(lambda: [0, Decimal("0.00")])
    for row in rows:
        found[row.currency][0] += 1
        found[row.currency][1] += row.amount
    return {currency: (count, amount) for currency, (count, amount) in found.items()}


def register_xlsx(firm: RegisterFirm, day: date, rows: list[WithdrawalInstruction]) -> bytes:
    header = [_("No."), _("Client code"), _("Agreement"), _("Beneficiary"), _("IIN"), _("IIC (IBAN)"), _("Bank BIC"),
              _("Bank"), _("Currency"), _("Amount"), _("Signed at"), _("Approved at"), _("Paid at"), _("Status"),
              _("Payment reference")]
    lines = ([row.id, row.client.client_code, row.client.agreement_number,
              row.beneficiary, row.client.iin, row.iban, row.bank.bic,
              row.bank.name, row.currency, row.amount, row.signed_at, row.decided_at, row.paid_at,
              row.status, row.payment_reference or ""] for row in rows)
    title = _("Payment register %(day)s", day=day.strftime("%d.%m.%Y"))
    return workbook_bytes([Sheet(title=title[:31], header=header, rows=lines)], title=f"{firm.name} · {title}")
