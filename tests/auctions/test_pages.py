"""The auction day in the browser's forms (CSRF is off in tests; the e2e suite runs it with CSRF)."""
from io import BytesIO

import pytest
from openpyxl import load_workbook

from app.auctions.models import Auction, AuctionStatus, Bid
from app.extensions import db
from tests.auctions.conftest import FILED_ON, TRADE_DATE, almaty
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def as_user(client):
    def switch(user):
        client.post("/logout")
        response = client.post("/login", data={"login": user.login, "password": TEST_PASSWORD})
        assert response.status_code == 302, response.text
        client.post("/language", data={"lang": "en"})
        return client
    return switch


def application_form(terms) -> dict:
    form = {name: getattr(terms, name) for name in (
        "kind", "security_type", "security_name", "isin", "exchange_code", "trade_subject", "submission_method",
        "pricing", "settlement_scheme")}
    form.update(face_value=str(terms.face_value), trade_date=terms.trade_date.isoformat(),
                declared_quantity=str(terms.declared_quantity), market_share_percent=str(terms.market_share_percent),
                bids_open=terms.bids_open.strftime("%H:%M"), bids_close=terms.bids_close.strftime("%H:%M"),
                confirm_until=terms.confirm_until.strftime("%H:%M"), decision=terms.decision.strftime("%H:%M"),
                maturity_date=terms.maturity_date.isoformat() if terms.maturity_date else "",
                issue_date=terms.issue_date.isoformat() if terms.issue_date else "",
                issuable_quantity=str(terms.issuable_quantity or ""), time_base=terms.time_base or "")
    return form


def file_and_announce(as_user, cast, clock, terms, initiator="minfin") -> Auction:
    clock(almaty(FILED_ON, 10))
    response = as_user(cast[initiator]).post("/auctions/new", data=application_form(terms))
    assert response.status_code == 302, response.text
    auction = db.session.scalars(db.select(Auction)).all()[-1]
    staff = as_user(cast["staff"])
    assert staff.post(f"/auctions/{auction.id}/review/accept").status_code == 302
    assert staff.post(f"/auctions/{auction.id}/review/announce").status_code == 302
    db.session.expire_all()
    assert auction.status == AuctionStatus.ANNOUNCED
    return auction


def post_bid(client, auction, key, **fields):
    data = {"kind": "limit", "investor_type": "broker_dealer", "custodian_id": "", "idempotency_key": key}
    data.update({name: str(value) for name, value in fields.items()})
    return client.post(f"/auctions/{auction.id}/bids", data=data, follow_redirects=True)


def test_a_gko_day_in_the_pages(as_user, cast, clock, gko_terms):
    auction = file_and_announce(as_user, cast, clock, gko_terms)
    clock(almaty(TRADE_DATE, 10))
    d1, d2, d3 = cast["dealers"]
    page = post_bid(as_user(d1), auction, "a", price="86.5000", quantity=400000)
    assert "The bid is accepted." in page.text and 'data-countdown="7200"' in page.text
    post_bid(as_user(d2), auction, "b", price="86.4000", quantity=700000, custodian_id=cast["custodian_org"].id)
    post_bid(as_user(d3), auction, "c", price="86.3000", quantity=100000)
    sealed = as_user(d3).get(f"/auctions/{auction.id}").text
    assert "86,5000" not in sealed and "86.5000" not in sealed

    bid = db.session.scalars(db.select(Bid).where(Bid.organisation_id == d2.organisation_id)).one()
    custodian = as_user(cast["custodian"])
    assert auction.number in custodian.get("/auctions/confirmations").text
    assert custodian.post(f"/auctions/confirmations/{bid.id}", data={"answer": "confirm"}).status_code == 302

    clock(almaty(TRADE_DATE, 12, 30))
    minfin = as_user(cast["minfin"])
    register = minfin.get(f"/auctions/{auction.id}/register")
    assert register.status_code == 200 and "Dealer 1" in register.text
    assert minfin.get(f"/auctions/{auction.id}/register.pdf").data.startswith(b"%PDF")
    workbook = load_workbook(BytesIO(minfin.get(f"/auctions/{auction.id}/register.xlsx").data))
    assert "Bids" in workbook.sheetnames

    explorer = minfin.get(f"/auctions/{auction.id}/explorer?quantity=1000000&market_fill_percent=100")
    assert explorer.status_code == 200 and 'data-testid="scenario"' in explorer.text and "<svg" in explorer.text
    decided = minfin.post(f"/auctions/{auction.id}/explorer", data={
        "satisfy": "yes", "cutoff_price": "86.4000", "quantity": "1000000", "market_fill_percent": "100"})
    assert decided.status_code == 302, decided.text

    clock(almaty(TRADE_DATE, 15))
    staff = as_user(cast["staff"])
    assert staff.post(f"/auctions/{auction.id}/deals/form").status_code == 302
    assert "Money required" in staff.get(f"/auctions/{auction.id}/settlement").text
    assert staff.post(f"/auctions/{auction.id}/settlement", data={}).status_code == 302
    db.session.expire_all()
    assert auction.status == AuctionStatus.SETTLED

    dealer = as_user(d1)
    detail = dealer.get(f"/auctions/{auction.id}").text
    deal = [deal for deal in auction.deals if deal.organisation_id == d1.organisation_id][0]
    assert dealer.get(f"/auctions/deals/{deal.id}/certificate.pdf").data.startswith(b"%PDF")
    other = [deal for deal in auction.deals if deal.organisation_id != d1.organisation_id][0]
    assert dealer.get(f"/auctions/deals/{other.id}/certificate.pdf").status_code == 404
    assert "Certificate" in detail

    dealer.post("/logout")
    results = [notice for notice in auction.notices if notice.kind == "results"][0]
    assert "Cut-off price" in dealer.get(f"/auctions/notices/{results.id}").text
    text = dealer.get(f"/auctions/notices/{results.id}.txt")
    assert text.mimetype == "text/plain" and "Cut-off price: 86.4000" in text.text


def test_the_issuer_register_names_nobody(as_user, cast, clock, share_terms):
    auction = file_and_announce(as_user, cast, clock, share_terms, initiator="issuer")
    clock(almaty(TRADE_DATE, 12))
    post_bid(as_user(cast["broker"]), auction, "x", price="1500.0000", quantity=60000,
             client_name="Satpayev Yerzhan", client_iin="850312300123", investor_type="individual")
    post_bid(as_user(cast["dealers"][0]), auction, "y", price="1490.0000", quantity=60000)
    clock(almaty(TRADE_DATE, 13, 30))
    issuer = as_user(cast["issuer"])
    pages = [issuer.get(f"/auctions/{auction.id}/register").text,
             issuer.get(f"/auctions/{auction.id}/explorer").text]
    workbook = load_workbook(BytesIO(issuer.get(f"/auctions/{auction.id}/register.xlsx").data))
    cells = [str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row]
    for text in pages + cells:
        for name in ("Broker Four", "Dealer 1", "Satpayev", "850312300123"):
            assert name not in text


def test_bad_application_input_is_named_and_nothing_is_stored(as_user, cast, clock, gko_terms):
    clock(almaty(FILED_ON, 10))
    form = application_form(gko_terms) | {"isin": "KZK100000002", "declared_quantity": "0"}
    response = as_user(cast["minfin"]).post("/auctions/new", data=form)
    assert response.status_code == 422
    assert "not a valid ISIN" in response.text
    assert db.session.scalars(db.select(Auction)).all() == []


def test_a_coupon_date_that_is_not_a_date_is_named_not_a_server_error(as_user, cast, clock, gko_terms):
    clock(almaty(FILED_ON, 10))
    form = application_form(gko_terms) | {"coupon_dates": "2026-02-30"}
    response = as_user(cast["minfin"]).post("/auctions/new", data=form)
    assert response.status_code == 422
    assert "is not a date" in response.text
    assert db.session.scalars(db.select(Auction)).all() == []


def test_an_unannounced_application_is_hidden_from_bidders(as_user, cast, clock, gko_terms):
    clock(almaty(FILED_ON, 10))
    as_user(cast["minfin"]).post("/auctions/new", data=application_form(gko_terms))
    auction = db.session.scalars(db.select(Auction)).one()
    assert as_user(cast["dealers"][0]).get(f"/auctions/{auction.id}").status_code == 404
    assert as_user(cast["issuer"]).get(f"/auctions/{auction.id}").status_code == 404
