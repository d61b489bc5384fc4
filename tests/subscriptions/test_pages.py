"""A public offering in the pages (CSRF is off here; the browser suite runs with it)."""
from io import BytesIO

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.registers.signing import verify_register
from app.registers.models import RegisterExport
from app.subscriptions.models import Subscription, SubscriptionStatus
from tests.conftest import TEST_PASSWORD
from tests.subscriptions.conftest import END, FILED_ON, START, almaty


@pytest.fixture
def as_user(client):
    def switch(user):
        client.post("/logout")
        assert client.post("/login", data={"login": user.login, "password": TEST_PASSWORD}).status_code == 302
        client.post("/language", data={"lang": "en"})
        return client
    return switch


def offering_form(terms) -> dict:
    form = {"security_name": terms.security_name, "isin": terms.isin, "face_value": str(terms.face_value),
            "quantity": str(terms.quantity), "price_min": str(terms.price_min), "price_max": str(terms.price_max),
            "settlement_code": terms.settlement_code, "minimum_bid_amount": str(terms.minimum_bid_amount),
            "issuer_id": str(terms.issuer_id or ""), "investor_categories": terms.investor_categories}
    for name in ("period_start_at", "period_end_at", "collateral_check_at", "register_due_at", "answer_due_at"):
        form[name] = getattr(terms, name).strftime("%Y-%m-%dT%H:%M")
    if terms.is_private:
        form["is_private"] = "y"
    return form


def announce_in_pages(as_user, cast, clock, terms) -> Subscription:
    clock(almaty(FILED_ON, 10))
    response = as_user(cast["seller"]).post("/subscriptions/new", data=offering_form(terms))
    assert response.status_code == 302, response.text
    subscription = db.session.scalars(db.select(Subscription)).all()[-1]
    staff = as_user(cast["staff"])
    for action in ("accept", "consent", "announce"):
        assert staff.post(f"/subscriptions/{subscription.id}/review/{action}", data={"note": ""}).status_code == 302
    db.session.expire_all()
    assert subscription.status == SubscriptionStatus.ANNOUNCED
    return subscription


def download(client, url: str) -> bytes:
    response = client.get(url)
    try:
        assert response.status_code == 200, url
        return response.data
    finally:
        response.close()


def bid(client, subscription, iin, quantity=10):
    return client.post(f"/subscriptions/{subscription.id}/bids", data={
        "idempotency_key": f"k{iin}-{quantity}", "kind": "limit", "price": "1100", "quantity": str(quantity),
        "investor_iin": f"{iin:012d}", "investor_name": f"Investor {iin}", "investor_category": "individual",
        "qualified": "y", "custodian_id": ""}, follow_redirects=True)


def test_a_public_offering_in_the_pages(as_user, offering_cast, clock, public_terms):
    subscription = announce_in_pages(as_user, offering_cast, clock, public_terms)
    clock(almaty(START, 11))
    broker = as_user(offering_cast["brokers"][0])
    assert "The bid is accepted." in bid(broker, subscription, 1).text
    bid(broker, subscription, 2)
    broker2 = as_user(offering_cast["brokers"][1])
    page = bid(broker2, subscription, 1).text            # investor 1 again, through the other broker
    assert 'data-testid="investors">2<' in page

    clock(almaty(END, 19))
    seller = as_user(offering_cast["seller"])
    assert seller.post(f"/subscriptions/{subscription.id}/registers/xml").status_code == 302
    assert seller.post(f"/subscriptions/{subscription.id}/registers/xlsx").status_code == 302
    xml_export, xlsx_export = db.session.scalars(db.select(RegisterExport).order_by(RegisterExport.id)).all()
    assert (xml_export.status, xlsx_export.status) == ("done", "done")
    xml = download(seller, f"/subscriptions/registers/{xml_export.id}/file")
    signature = download(seller, f"/subscriptions/registers/{xml_export.id}/signature")
    assert verify_register(xml, signature).ok
    workbook = load_workbook(BytesIO(download(seller, f"/subscriptions/registers/{xlsx_export.id}/file")))
    assert workbook.sheetnames

    other = as_user(offering_cast["brokers"][1])
    assert other.get(f"/subscriptions/registers/{xml_export.id}/file").status_code == 404
    assert other.get(f"/subscriptions/{subscription.id}/registers").status_code == 404


def satisfied_workbook(accepted: bytes, quantity_of) -> bytes:
    """The seller's answer: the accepted register with the satisfied price and quantity filled in."""
    workbook = load_workbook(BytesIO(accepted))
    sheet = workbook["Register"] if "Register" in workbook.sheetnames else workbook.worksheets[0]
    header_row = next(row for row in sheet.iter_rows() if any(cell.value == "Bid number" for cell in row))
    column = {cell.value: cell.column for cell in header_row}
    for row in sheet.iter_rows(min_row=header_row[0].row + 1):
        number = row[column["Bid number"] - 1].value
        if number is None:
            continue
        asked = row[column["Quantity"] - 1].value
        sheet.cell(row=row[0].row, column=column["Satisfied price"], value=1100)
        sheet.cell(row=row[0].row, column=column["Satisfied quantity"], value=quantity_of(asked))
    output = BytesIO()
    workbook.save(output)
    return output.getvalue()


def test_the_seller_uploads_a_satisfied_register_and_problems_come_by_row(as_user, offering_cast, clock, public_terms):
    subscription = announce_in_pages(as_user, offering_cast, clock, public_terms)
    clock(almaty(START, 11))
    broker = as_user(offering_cast["brokers"][0])
    for iin in (1, 2, 3):
        bid(broker, subscription, iin)
    bid(as_user(offering_cast["brokers"][1]), subscription, 4)
    clock(almaty(END, 19))
    seller = as_user(offering_cast["seller"])
    seller.post(f"/subscriptions/{subscription.id}/registers/xlsx")
    export = db.session.scalars(db.select(RegisterExport)).one()
    accepted = download(seller, f"/subscriptions/registers/{export.id}/file")

    too_much = satisfied_workbook(accepted, lambda asked: asked + 1)
    page = seller.post(f"/subscriptions/{subscription.id}/satisfied",
                       data={"file": (BytesIO(too_much), "satisfied.xlsx")}, content_type="multipart/form-data")
    assert page.status_code == 422 and "4 problems; nothing was stored." in page.text
    assert "More than bid" in page.text
    db.session.expire_all()
    assert subscription.status == SubscriptionStatus.CLOSED

    clean = satisfied_workbook(accepted, lambda asked: asked // 2)
    response = seller.post(f"/subscriptions/{subscription.id}/satisfied",
                           data={"file": (BytesIO(clean), "satisfied.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    staff = as_user(offering_cast["staff"])
    assert staff.post(f"/subscriptions/{subscription.id}/deals/form").status_code == 302
    assert staff.post(f"/subscriptions/{subscription.id}/settle").status_code == 302
    db.session.expire_all()
    assert subscription.status == SubscriptionStatus.SETTLED
    notes = as_user(offering_cast["brokers"][0]).get("/subscriptions/notifications").text
    assert "Satisfied in part" in notes
    deal = next(deal for deal in subscription.deals if deal.organisation_id == offering_cast["brokers"][0].organisation_id)
    assert download(as_user(offering_cast["brokers"][0]), f"/subscriptions/deals/{deal.id}/certificate.pdf")[:4] == b"%PDF"
