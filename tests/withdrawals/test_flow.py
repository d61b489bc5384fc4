"""A withdrawal: signed by SMS code, approved, paid; refusals; others see nothing."""
from decimal import Decimal

from lxml import etree
from sqlalchemy import func, select

from app.auth.roles import Role
from app.brokerage.services import balances
from app.extensions import db
from app.messaging.models import OutboxMessage
from app.notices.models import CabinetNotice
from app.withdrawals import payment_register
from app.withdrawals.models import WithdrawalInstruction
from app.withdrawals.reads import blocked_money
from tests.conftest import TEST_PASSWORD
from tests.withdrawals.conftest import IBAN, last_sms_code


def start(client, bank, amount="100000.00", iban=IBAN):
    return client.post("/cabinet/withdrawals/new", data={"currency": "KZT", "amount": amount, "iban": iban,
                                                         "bank_id": bank.id})


def sign(client, response):
    document_path = response.headers["Location"]
    client.post(f"{document_path}/code")
    return client.post(f"{document_path}/confirm", data={"code": last_sms_code()}, follow_redirects=True)


def office_client(app, user):
    other = app.test_client()
    assert other.post("/login", data={"login": user.login, "password": TEST_PASSWORD}).status_code == 302
    return other


def instruction() -> WithdrawalInstruction:
    db.session.expire_all()
    return db.session.scalars(select(WithdrawalInstruction)).one()


def kzt(client) -> Decimal:
    db.session.expire_all()
    return next(row.amount for row in balances(db.session, [client])[client.id] if row.asset == "KZT")


def test_signed_approved_paid_debits_the_ledger_and_tells_the_client(app, client, customer, bank):
    user, broker_client, staff = customer
    response = start(client, bank)
    assert response.status_code == 302 and "/cabinet/sign/" in response.headers["Location"]
    assert instruction().status == "awaiting_signature"
    assert "Signed with the SMS code." in sign(client, response).get_data(as_text=True)
    assert instruction().status == "submitted"
    assert blocked_money(db.session, [broker_client.id]) == {(broker_client.id, "KZT"): Decimal("100000.00")}
    office = office_client(app, staff)
    found = instruction()
    assert office.post(f"/brokerage/withdrawals/{found.id}/approve").status_code == 302
    assert instruction().status == "approved"
    assert office.post(f"/brokerage/withdrawals/{found.id}/approve").status_code == 409
    assert office.post(f"/brokerage/withdrawals/{found.id}/pay", data={"reference": "PP 77"}).status_code == 302
    assert instruction().status == "paid" and kzt(broker_client) == Decimal("900000.00")
    assert blocked_money(db.session, [broker_client.id]) == {}
    kinds = list(db.session.scalars(select(CabinetNotice.kind).order_by(CabinetNotice.id)))
    assert kinds == ["withdrawal_approved", "withdrawal_paid"]
    mails = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")))
    assert len(mails) == 2 and "Your withdrawal is paid: Withdraw 100" in mails[1].body
    page = client.get(f"/cabinet/withdrawals/{found.id}").get_data(as_text=True)
    assert "Paid" in page and 'data-testid="signed-document"' in page
    assert 'data-testid="unread-notices">2<' in client.get("/cabinet/notices/").get_data(as_text=True)
    document = office.get(f"/cabinet/sign/{found.document_id}/document.xml")
    assert document.status_code == 200


def test_above_the_free_money_is_refused_and_nothing_is_stored(client, customer, bank):
    response = start(client, bank, amount="1000000.01")
    assert response.status_code == 422 and "You can withdraw at most" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(WithdrawalInstruction)) == 0


def test_a_wrong_check_digit_is_refused(client, customer, bank):
    response = start(client, bank, iban="KZ87125KZT5004100100")
    assert response.status_code == 422 and "does not check" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(WithdrawalInstruction)) == 0


def test_another_firm_and_another_client_get_404(app, client, customer, bank, make_user):
    sign(client, start(client, bank))
    found = instruction()
    stranger = office_client(app, make_user(Role.BROKER_OFFICE))
    assert stranger.get(f"/brokerage/withdrawals/{found.id}").status_code == 404
    assert stranger.post(f"/brokerage/withdrawals/{found.id}/approve").status_code == 404
    assert stranger.get(f"/cabinet/sign/{found.document_id}/document.xml").status_code == 404
    other_client = office_client(app, make_user(Role.CLIENT))
    assert other_client.get(f"/cabinet/withdrawals/{found.id}").status_code == 404
    assert other_client.post(f"/cabinet/withdrawals/{found.id}/cancel").status_code == 404


def test_reject_frees_the_money_and_gives_the_reason(app, client, customer, bank):
    user, broker_client, staff = customer
    sign(client, start(client, bank))
    found = instruction()
    office = office_client(app, staff)
    assert office.post(f"/brokerage/withdrawals/{found.id}/reject", data={"reason": ""}).status_code == 422
    assert office.post(f"/brokerage/withdrawals/{found.id}/reject", data={"reason": "IIC closed"}).status_code == 302
    assert instruction().status == "rejected" and blocked_money(db.session, [broker_client.id]) == {}
    assert kzt(broker_client) == Decimal("1000000.00")
    assert "IIC closed" in client.get("/cabinet/notices/").get_data(as_text=True)


def test_the_payment_register_xml_validates_against_its_schema(app, client, customer, bank):
    user, broker_client, staff = customer
    sign(client, start(client, bank))
    office = office_client(app, staff)
    office.post(f"/brokerage/withdrawals/{instruction().id}/approve")
    day = instruction().decided_at.astimezone(payment_register.UTC).date().isoformat()
    response = office.get(f"/brokerage/withdrawals/register.xml?day={day}")
    assert response.status_code == 200
    schema = etree.XMLSchema(etree.fromstring(office.get("/brokerage/withdrawals/payment-register.xsd").data))
    document = etree.fromstring(response.data)
    assert schema.validate(document), schema.error_log
    assert len(document.findall(f"{{{payment_register.NAMESPACE}}}Payment")) == 1
    xlsx = office.get(f"/brokerage/withdrawals/register.xlsx?day={day}")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert office.get("/brokerage/withdrawals/register.xml?day=nope").status_code == 400


def test_the_client_cancels_before_approval(client, customer, bank):
    sign(client, start(client, bank))
    assert client.post(f"/cabinet/withdrawals/{instruction().id}/cancel").status_code == 302
    assert instruction().status == "cancelled"
    assert client.post(f"/cabinet/withdrawals/{instruction().id}/cancel").status_code == 409
