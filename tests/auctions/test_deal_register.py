"""The deal register PDF: a short one comes at once; a long one is built by the worker process
as a job with progress, served only when complete, and built again when settlement changes the
deals. Its texts are the deals', escaped, in the reader's language."""
import hashlib
import subprocess
from decimal import Decimal

import pytest

from app.auctions import results
from app.registers.models import DealRegisterFile
from app.auctions.results import DecisionEntry
from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.jobs.worker import run_next_job
from tests.auctions.conftest import TRADE_DATE, almaty
from tests.auctions.test_lifecycle import announced, bid
from tests.auctions.test_pages import as_user  # noqa: F401 — fixture
from tests.subscriptions.test_register_jobs import LEASE


def text_of(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def fetched(response) -> tuple[bytes, str | None]:
    """A sent file's bytes and digest, its stream closed."""
    try:
        return response.data, response.headers.get("Digest")
    finally:
        response.close()


@pytest.fixture
def formed(cast, clock, gko_terms):
    """A GKO auction with three deals formed (one per dealer); one dealer's name is markup."""
    auction = announced(cast, clock, gko_terms)
    d1, d2, d3 = cast["dealers"]
    d3.organisation.name = 'Dealer <img src="/etc/passwd"/> & Co'
    for dealer, price in ((d1, "86.5000"), (d2, "86.4500"), (d3, "86.4000")):
        bid(auction, dealer, price=price, quantity=100_000)
    results.advance_due(db.session, almaty(TRADE_DATE, 12, 30))
    results.decide(db.session, auction, cast["minfin"], DecisionEntry(True, Decimal("86.4000"), 300_000),
                   almaty(TRADE_DATE, 14))
    results.form_deals(db.session, auction, almaty(TRADE_DATE, 15))
    db.session.commit()
    clock(almaty(TRADE_DATE, 15, 30))
    return auction


def test_a_short_register_comes_at_once_with_every_deal(as_user, cast, formed):
    response = as_user(cast["minfin"]).get(f"/auctions/{formed.id}/deals.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = text_of(response.data)
    for deal in formed.deals:
        assert deal.number in text
    assert "Dealer <img" in text and 'src="/etc/passwd"/> & Co' in text    # drawn as text, never as markup
    assert "300,000" in text and "Total" in text and "Page 1 / 1" in text


def test_a_long_register_is_built_by_the_worker_and_rebuilt_after_settlement(app, as_user, cast, formed):
    app.config["DEAL_REGISTER_INLINE_DEALS"] = 2
    minfin = as_user(cast["minfin"])
    page = minfin.get(f"/auctions/{formed.id}/deals.pdf")
    assert page.status_code == 200 and "Build the PDF" in page.text and page.mimetype == "text/html"
    assert not db.session.scalars(db.select(DealRegisterFile)).all()         # a GET writes nothing

    assert minfin.post(f"/auctions/{formed.id}/deals.pdf").status_code == 302
    assert minfin.post(f"/auctions/{formed.id}/deals.pdf").status_code == 302    # asked twice, built once
    file = db.session.scalars(db.select(DealRegisterFile)).one()
    assert (file.status, file.rows_total, file.locale) == ("queued", 3, "en")
    assert "Queued" in minfin.get(f"/auctions/{formed.id}/deals.pdf").text
    assert minfin.get(f"/auctions/deal-register-files/{file.id}").status_code == 404   # not ready yet

    assert run_next_job("test-worker", LEASE)
    db.session.expire_all()
    job = db.session.scalars(db.select(Job).where(Job.kind == "deal_register")).one()
    assert (job.status, job.progress_done, job.progress_total) == (JobStatus.DONE, 3, 3)
    assert (file.status, file.rows_done) == ("done", 3)
    page = minfin.get(f"/auctions/{formed.id}/deals.pdf")
    assert "Ready" in page.text and file.sha256 in page.text
    response = minfin.get(f"/auctions/deal-register-files/{file.id}")
    data, digest = fetched(response)
    assert response.status_code == 200 and digest == f"sha-256={file.sha256}"
    assert hashlib.sha256(data).hexdigest() == file.sha256
    assert all(deal.number in text_of(data) for deal in formed.deals)

    results.settle(db.session, formed, set(), almaty(TRADE_DATE, 16))
    db.session.commit()
    assert "Build the PDF" in minfin.get(f"/auctions/{formed.id}/deals.pdf").text   # the deals changed


def test_only_readers_of_the_register_see_the_file(app, as_user, cast, formed):
    app.config["DEAL_REGISTER_INLINE_DEALS"] = 2
    as_user(cast["minfin"]).post(f"/auctions/{formed.id}/deals.pdf")
    run_next_job("test-worker", LEASE)
    file = db.session.scalars(db.select(DealRegisterFile)).one()
    dealer = as_user(cast["dealers"][0])
    assert dealer.get(f"/auctions/deal-register-files/{file.id}").status_code == 403
    assert dealer.get(f"/auctions/{formed.id}/deals.pdf").status_code == 403
    response = as_user(cast["staff"]).get(f"/auctions/deal-register-files/{file.id}")
    assert response.status_code == 200 and fetched(response)[0].startswith(b"%PDF")
    assert as_user(cast["staff"]).get("/auctions/deal-register-files/999999").status_code == 404
