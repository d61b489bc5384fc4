"""Repo (seed 004 §29–32): automatic repo matched on the rate with both legs formed at once,
standard terms only, direct repo offered and accepted, early close by both sides (never on the
opening day), the closing leg settled on its date at the close, and each firm sealed off."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.auth.roles import OrganisationKind, Role
from app.extensions import db
from app.secondary.engine.day import CloseDay
from app.secondary.engine.replay import first_difference, projection_dump, replay_dump, replay_journal
from app.secondary.models import JournalEntry, MarketOrder, MarketTrade
from app.secondary.repo import reads as repo_reads
from app.secondary.trading import services
from tests.auctions.api_fixtures import api  # noqa: F401
from tests.conftest import TEST_PASSWORD
from tests.secondary.conftest import DAY, almaty, open_day

DAY2 = date(2027, 3, 11)
REPO = "/api/v1/market/repo"


@pytest.fixture
def cast(market_cast) -> dict:
    """The market cast with the share on the repo list (App.5 discount 15 %), in English."""
    market_cast["share"].repo_discount = Decimal("0.15")
    for name in ("dealer", "trader", "staff"):
        market_cast[name].locale = "en"
    db.session.commit()
    return market_cast


@pytest.fixture
def alpha(api, cast):
    return api(cast["dealer"])


@pytest.fixture
def beta(api, cast):
    return api(cast["trader"])


def log_in(client, user):
    client.post("/logout")
    response = client.post("/login", data={"login": user.login, "password": TEST_PASSWORD})
    assert response.status_code == 302


def repo_order(cast, account, side, rate, lots=10, days=7, **extra) -> dict:
    return {"account": cast[account].id, "instrument": cast["share"].id, "days": days, "side": side,
            "rate": rate, "lots": lots, **extra}


def direct_offer(cast, days=15, rate="13.50", discount="0.2000", lots=5) -> dict:
    return {"account": cast["alpha_own"].id, "counterparty": cast["beta"].id, "instrument": cast["share"].id,
            "days": days, "side": "lend", "rate": rate, "discount": discount, "lots": lots}


def legs(repo_id: int) -> tuple[MarketTrade, MarketTrade]:
    opening, closing = db.session.scalars(select(MarketTrade).where(MarketTrade.repo_id == repo_id)
                                          .order_by(MarketTrade.id))
    db.session.refresh(opening)
    db.session.refresh(closing)
    return opening, closing


def open_direct_repo(alpha, beta, cast, **terms) -> dict:
    offer = alpha.post(f"{REPO}/direct", json=direct_offer(cast, **terms))
    assert offer.status_code == 201, offer.json
    answer = beta.post(f"{REPO}/direct/{offer.json['id']}/answer",
                       json={"accept": True, "account": cast["beta_own"].id})
    assert answer.status_code == 200, answer.json
    return answer.json["repo"]


def next_day(clock, day=DAY2) -> None:
    """Close today (deals due settle), then open `day` on the sandbox clock."""
    clock(almaty(DAY, 17, 30))
    services.execute(db.session, CloseDay())
    clock(almaty(day, 12))
    open_day(day)


def assert_replay_matches() -> None:
    replayed, projected = replay_dump(replay_journal(db.session)), projection_dump(db.session)
    assert replayed == projected, first_difference(replayed, projected)


# --- automatic repo -----------------------------------------------------------------------------

def test_automatic_repo_matches_on_the_rate_at_the_resting_rate_with_both_legs(client, cast):
    log_in(client, cast["trader"])
    page = client.post("/market/repo/", data={
        "instrument_id": cast["share"].id, "days": "7", "side": "borrow", "rate": "15", "lots": "10",
        "account_id": cast["beta_own"].id, "idempotency_key": "b-1"})
    assert page.status_code == 302
    assert client.post("/market/repo/", data={
        "instrument_id": cast["share"].id, "days": "7", "side": "borrow", "rate": "14.5", "lots": "3",
        "account_id": cast["beta_own"].id, "idempotency_key": "b-2"}).status_code == 302
    book = next(b for b in repo_reads.repo_books(db.session, DAY) if b.days == 7)
    assert (book.borrow.best, book.borrow.best_lots, book.borrow.lots, book.borrow.orders) == (
        Decimal("15"), 10, 13, 2)
    assert book.lend.best is None and book.closes_on == date(2027, 3, 17)
    assert f'data-book="{cast["share"].id}/R7"' in client.get("/market/repo/").text

    log_in(client, cast["dealer"])
    answer = client.post("/market/repo/", data={
        "instrument_id": cast["share"].id, "days": "7", "side": "lend", "rate": "14", "lots": "10",
        "account_id": cast["alpha_own"].id, "idempotency_key": "a-1"}, follow_redirects=True)
    assert "1 repo(s) opened" in answer.text
    repo_id = db.session.scalar(select(func.max(MarketTrade.repo_id)))
    opening, closing = legs(repo_id)
    # P = 30 000 × (1 − 0.15) = 25 500; So = P × 10; Sc = So × (1 + 15 × 7 / 36 500) at the resting 15 %.
    assert (opening.kind, opening.price, opening.amount, opening.settles_on, opening.status) == (
        "book_repo_open", Decimal("15"), Decimal("255000.00"), DAY, "settled")
    assert (closing.kind, closing.price, closing.amount, closing.settles_on, closing.status) == (
        "book_repo_close", Decimal("15"), Decimal("255733.56"), date(2027, 3, 17), "pending")
    assert (opening.buyer_account_id, opening.seller_account_id) == (cast["alpha_own"].id, cast["beta_own"].id)
    assert (closing.buyer_account_id, closing.seller_account_id) == (cast["beta_own"].id, cast["alpha_own"].id)
    assert closing.settlement_code == "R7" and opening.repo_id == closing.repo_id == opening.id
    detail = client.get(f"/market/repo/{repo_id}")
    assert detail.status_code == 200
    for shown in ('data-testid="P">25,500.00', 'data-testid="K">10', 'data-testid="T">365',
                  'data-testid="Sc">255,733.56', "Opening leg"):
        assert shown in detail.text


def test_a_non_standard_term_is_refused_with_its_message(client, alpha, cast):
    refused = alpha.post(f"{REPO}/orders", json=repo_order(cast, "alpha_own", "lend", "14.00", days=5))
    assert refused.status_code == 422
    assert (refused.json["code"], refused.json["message"]) == (
        "repo_term_not_standard", "Automatic repo trades only for 1, 2, 3, 7, 14 or 30 days.")
    log_in(client, cast["dealer"])
    page = client.post("/market/repo/", data={
        "instrument_id": cast["share"].id, "days": "5", "side": "lend", "rate": "14", "lots": "1",
        "account_id": cast["alpha_own"].id})
    assert page.status_code == 422
    assert "Automatic repo trades only for 1, 2, 3, 7, 14 or 30 days." in page.text
    assert db.session.scalar(select(func.count()).select_from(MarketOrder)) == 0


def test_an_instrument_off_the_repo_list_and_a_bad_rate_are_refused(alpha, cast):
    bond = {**repo_order(cast, "alpha_own", "lend", "14.00"), "instrument": cast["bond"].id}
    assert alpha.post(f"{REPO}/orders", json=bond).json["code"] == "repo_not_allowed"
    as_number = alpha.post(f"{REPO}/orders", json=repo_order(cast, "alpha_own", "lend", 14))
    assert as_number.status_code == 422 and "rate" in as_number.json["details"]["json"]
    cover = alpha.post(f"{REPO}/orders", json=repo_order(cast, "alpha_own", "lend", "14.00", lots=1000))
    assert (cover.status_code, cover.json["code"]) == (422, "insufficient_cover")


def test_a_repeated_idempotency_key_places_one_order(alpha, cast):
    body, key = repo_order(cast, "alpha_own", "lend", "14.00"), {"Idempotency-Key": "repo-1"}
    first = alpha.post(f"{REPO}/orders", json=body, headers=key)
    again = alpha.post(f"{REPO}/orders", json=body, headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"] and again.json["duplicate"] is True
    assert (first.json["kind"], first.json["days"], first.json["side"], first.json["rate"]) == (
        "auto", 7, "lend", "14.00")


def test_own_repo_order_is_cancelled_and_another_firms_order_is_404(client, alpha, cast):
    placed = alpha.post(f"{REPO}/orders", json=repo_order(cast, "alpha_own", "lend", "14.00")).json
    log_in(client, cast["trader"])
    assert client.post(f"/market/repo/orders/{placed['id']}/cancel").status_code == 404
    log_in(client, cast["dealer"])
    page = client.post(f"/market/repo/orders/{placed['id']}/cancel", follow_redirects=True)
    assert f"Repo order {placed['id']} cancelled." in page.text
    assert db.session.get(MarketOrder, placed["id"]).status == "cancelled"


# --- direct repo ----------------------------------------------------------------------------------

def test_a_direct_repo_offer_accepted_makes_both_legs(client, cast):
    log_in(client, cast["dealer"])
    terms = {"offer-counterparty_id": cast["beta"].id, "offer-instrument_id": cast["share"].id, "offer-days": "15",
             "offer-side": "lend", "offer-rate": "13.5", "offer-discount_percent": "20", "offer-lots": "5",
             "offer-account_id": cast["alpha_own"].id}
    too_long = client.post("/market/repo/direct", data={**terms, "offer-days": "91"})
    assert too_long.status_code == 422 and "A direct repo runs for 1 to 90 days." in too_long.text
    offered = client.post("/market/repo/direct", data=terms, follow_redirects=True)
    assert "waits for the counterparty" in offered.text
    offer = db.session.scalar(select(MarketOrder).where(MarketOrder.counterparty_id == cast["beta"].id))

    log_in(client, cast["trader"])
    page = client.get("/market/repo/")
    assert f'data-testid="repo-offer-received" data-order="{offer.id}"' in page.text
    assert "120,000.00" in page.text and "120,665.75" in page.text   # So and Sc, before accepting
    accepted = client.post(f"/market/repo/direct/{offer.id}/answer",
                           data={"answer": "accept", "account_id": cast["beta_own"].id}, follow_redirects=True)
    assert "is open; its closing leg settles on 25.03.2027" in accepted.text
    opening, closing = legs(db.session.scalar(select(func.max(MarketTrade.repo_id))))
    # P = 30 000 × 0.8 = 24 000; So = 5 × P; Sc = So × (1 + 13.5 × 15 / 36 500).
    assert (opening.kind, opening.amount, opening.status) == ("direct_repo_open", Decimal("120000.00"), "settled")
    assert (closing.kind, closing.amount, closing.settles_on, closing.status) == (
        "direct_repo_close", Decimal("120665.75"), date(2027, 3, 25), "pending")
    view = repo_reads.repo_of(db.session, opening.id)
    assert (view.math.discount, view.math.days, view.math.reference) == (Decimal("0.2000"), 15, Decimal("30000"))


def test_a_direct_repo_offer_is_answered_only_by_its_counterparty(alpha, beta, api, cast, make_org, make_user):
    offer = alpha.post(f"{REPO}/direct", json=direct_offer(cast)).json
    gamma = make_org(OrganisationKind.MEMBER_FIRM, name="Gamma Capital")
    outsider = api(make_user(Role.PARTICIPANT, organisation=gamma))
    assert outsider.post(f"{REPO}/direct/{offer['id']}/answer", json={"accept": False}).status_code == 404
    bad_term = alpha.post(f"{REPO}/direct", json=direct_offer(cast, days=91))
    assert (bad_term.status_code, bad_term.json["code"]) == (422, "repo_term_out_of_range")
    rejected = beta.post(f"{REPO}/direct/{offer['id']}/answer", json={"accept": False})
    assert (rejected.status_code, rejected.json["status"], rejected.json["repo"]) == (200, "rejected", None)


# --- early close and the closing leg ------------------------------------------------------------

def test_early_close_needs_both_sides_and_is_refused_on_the_opening_day(alpha, beta, cast, clock):
    repo = open_direct_repo(alpha, beta, cast, days=7)
    same_day = alpha.post(f"{REPO}/{repo['repo_id']}/close-early")
    assert (same_day.status_code, same_day.json["code"]) == (422, "repo_early_close_same_day")
    assert same_day.json["message"] == "A repo cannot be closed early on its opening or closing day."

    next_day(clock)
    lender = alpha.post(f"{REPO}/{repo['repo_id']}/close-early")
    assert lender.status_code == 200, lender.json
    assert (lender.json["early_close_agreed"], lender.json["closing"]["status"]) == (["lender"], "pending")
    assert lender.json["closing"]["settles_on"] == "2027-03-17"

    borrower = beta.post(f"{REPO}/{repo['repo_id']}/close-early")
    assert borrower.status_code == 200, borrower.json
    closing = borrower.json["closing"]
    # Scn = So + I, I = 120 000 × 13.5 × 1 / (100 × 365) = 44.38 for the one day held.
    assert (closing["status"], closing["settles_on"], closing["amount"]) == ("settled", "2027-03-11", "120044.38")
    assert borrower.json["closed_early"] is True
    assert legs(repo["repo_id"])[1].amount == Decimal("120044.38")
    assert_replay_matches()


def test_agreeing_on_the_page_records_the_agreement_or_shows_the_refusal(client, alpha, beta, cast, clock):
    repo = open_direct_repo(alpha, beta, cast, days=7)
    log_in(client, cast["dealer"])
    assert f'/market/repo/{repo["repo_id"]}/close-early' in client.get("/market/repo/").text
    refused = client.post(f"/market/repo/{repo['repo_id']}/close-early", follow_redirects=True)
    assert "A repo cannot be closed early on its opening or closing day." in refused.text
    next_day(clock)
    agreed = client.post(f"/market/repo/{repo['repo_id']}/close-early", follow_redirects=True)
    assert "Your agreement to close early is recorded." in agreed.text
    assert "Closed today: m = 1, I = 44.38" in agreed.text
    assert legs(repo["repo_id"])[1].status == "pending"


def test_an_automatic_repo_is_never_closed_early(alpha, beta, cast, clock):
    assert beta.post(f"{REPO}/orders", json=repo_order(cast, "beta_own", "borrow", "15.00")).status_code == 201
    placed = alpha.post(f"{REPO}/orders", json=repo_order(cast, "alpha_own", "lend", "14.00")).json
    next_day(clock)
    refused = alpha.post(f"{REPO}/{placed['repo_ids'][0]}/close-early")
    assert (refused.status_code, refused.json["code"]) == (422, "repo_auto_no_early_close")


def test_the_closing_leg_settles_on_its_date_at_the_close(alpha, beta, cast, clock):
    assert beta.post(f"{REPO}/orders", json=repo_order(cast, "beta_own", "borrow", "15.00", days=1)).status_code == 201
    placed = alpha.post(f"{REPO}/orders", json=repo_order(cast, "alpha_own", "lend", "15.00", days=1)).json
    repo_id = placed["repo_ids"][0]
    next_day(clock)                                  # the close of the opening day leaves it due
    assert legs(repo_id)[1].status == "pending"
    clock(almaty(DAY2, 17, 30))
    services.execute(db.session, CloseDay())
    opening, closing = legs(repo_id)
    # Sc = 255 000 × (1 + 15 × 1 / 36 500) = 255 104.79, paid by the borrower at the close of 11 March.
    assert (closing.status, closing.settles_on, closing.amount) == ("settled", DAY2, Decimal("255104.79"))
    held = {(view.account.code, view.asset): view.current for view in services.positions(db.session, None, DAY2)}
    assert held[("BETA_OWN", "KZTK")] == 100
    assert held[("ALPHA_OWN", "KZT")] == Decimal("10000104.79")
    assert held[("BETA_OWN", "KZT")] == Decimal("499895.21")
    assert_replay_matches()


# --- who sees what ----------------------------------------------------------------------------------

def test_another_firm_cannot_see_the_repo_and_staff_see_all(client, api, alpha, beta, cast, make_org, make_user):
    repo = open_direct_repo(alpha, beta, cast)
    gamma = make_org(OrganisationKind.MEMBER_FIRM, name="Gamma Capital")
    outsider = make_user(Role.PARTICIPANT, login="gamma_trader", organisation=gamma)
    assert api(outsider).get(REPO).json == []
    assert api(outsider).post(f"{REPO}/{repo['repo_id']}/close-early").status_code == 404
    [mine] = alpha.get(REPO).json
    assert (mine["side"], mine["lender_account"], mine["borrower_account"]) == ("lender", "ALPHA_OWN", None)
    [staff_view] = api(cast["staff"]).get(REPO).json
    assert (staff_view["side"], staff_view["borrower_account"]) == (None, "BETA_OWN")

    # The browser's session would outrank the callers' tokens, so the pages come last.
    log_in(client, outsider)
    assert client.get(f"/market/repo/{repo['repo_id']}").status_code == 404
    assert client.post(f"/market/repo/{repo['repo_id']}/close-early").status_code == 404
    log_in(client, cast["staff"])
    assert f'data-repo="{repo["repo_id"]}"' in client.get("/market/repo/all").text
    assert client.get(f"/market/repo/{repo['repo_id']}").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(JournalEntry)
                             .where(JournalEntry.kind == "repo_close_early")) == 0
