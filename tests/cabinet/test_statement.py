"""The client's statement for a period: opening balance, every movement, closing balance per
sub-account — exact figures on the page, in XLSX, in PDF and in the API; only its own ledger."""
import io
import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.auth.roles import Role
from tests.cabinet.conftest import almaty, log_in

PERIOD = {"date_from": "2027-03-01", "date_to": "2027-03-31"}


@pytest.fixture
def ledger(make_client, entry):
    """Entries before, inside (both ends of it, Almaty midnight) and after March 2027."""
    me, other = make_client("Сатпаев Ержан"), make_client("Омарова Динара")
    entry(me, almaty(2027, 2, 15, 10), None, "KZT", "1000000.00", reference="ПП 1")
    entry(me, almaty(2027, 2, 15, 10), "kase", "KZTK", "100")
    entry(me, almaty(2027, 2, 20, 10), "aix", "KZAP", "10")
    entry(me, almaty(2027, 2, 21, 10), "aix", "KZAP", "-10", source="deal")      # nothing left, nothing moves
    entry(me, almaty(2027, 2, 28, 23, 59), None, "KZT", "0.50")                   # 18:59 UTC: before
    entry(me, almaty(2027, 3, 1, 0, 0), None, "KZT", "-250000.00", source="withdrawal", reference="W-1")
    entry(me, almaty(2027, 3, 15, 11, 30), "kase", "KZTK", "20", source="deal", reference="D-7",
          settles_on=almaty(2027, 3, 17, 0).date())
    entry(me, almaty(2027, 3, 15, 11, 30), None, "KZT", "-150.25", source="fee", reference="D-7")
    entry(me, almaty(2027, 3, 31, 23, 59), None, "USD", "500.00", reference="ПП 2")
    entry(me, almaty(2027, 4, 1, 0, 0), None, "KZT", "999.99")                   # after
    entry(me, almaty(2027, 4, 2, 9), "kase", "KZTK", "-5", source="deal")
    entry(other, almaty(2027, 3, 10, 12), None, "KZT", "123456.78", reference="OTHER-REF")
    entry(other, almaty(2027, 3, 10, 12), "aix", "SECRETCO", "7")
    return me


def client_of(app, ledger):
    return log_in(app, ledger.user)


def test_the_api_gives_exact_opening_movements_and_closing(app, ledger):
    answer = client_of(app, ledger).get("/api/v1/cabinet/statement", query_string=PERIOD)
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert (body["date_from"], body["date_to"]) == ("2027-03-01", "2027-03-31")
    assert body["accounts"] == [
        {"venue": None, "asset": "KZT", "opening": "1000000.50", "closing": "749850.25", "movements": [
            {"at": "2027-03-01T00:00:00+05:00", "source": "withdrawal", "reference": "W-1", "amount": "-250000.00",
             "settles_on": None},
            {"at": "2027-03-15T11:30:00+05:00", "source": "fee", "reference": "D-7", "amount": "-150.25",
             "settles_on": None}]},
        {"venue": None, "asset": "USD", "opening": "0.00", "closing": "500.00", "movements": [
            {"at": "2027-03-31T23:59:00+05:00", "source": "deposit", "reference": "ПП 2", "amount": "500.00",
             "settles_on": None}]},
        {"venue": "kase", "asset": "KZTK", "opening": "100", "closing": "120", "movements": [
            {"at": "2027-03-15T11:30:00+05:00", "source": "deal", "reference": "D-7", "amount": "20",
             "settles_on": "2027-03-17"}]},
    ]


def test_the_page_shows_the_sections_and_never_another_clients_data(app, ledger):
    page = client_of(app, ledger).get("/cabinet/statement", query_string=PERIOD)
    assert page.status_code == 200
    text = page.text
    assert text.count('data-testid="movement"') == 4 and text.count('data-testid="balance"') == 3
    for figure in ("1,000,000.50", "749,850.25", "-250,000.00", "-150.25", "500.00", "W-1", "D-7", "17.03.2027",
                   "01.03.2027 00:00"):
        assert figure in text, figure
    assert "999.99" not in text and "KZAP" not in text
    assert "123,456.78" not in text and "OTHER-REF" not in text and "SECRETCO" not in text
    assert 'href="/cabinet/statement.xlsx?date_from=2027-03-01&amp;date_to=2027-03-31"' in text


def test_the_default_period_is_this_month_to_today(app, ledger):
    browser = client_of(app, ledger)
    body = browser.get("/api/v1/cabinet/statement").json
    assert (body["date_from"], body["date_to"]) == ("2027-03-01", "2027-03-20")      # the clock: 20 March
    assert [m["reference"] for a in body["accounts"] for m in a["movements"]] == ["W-1", "D-7", "D-7"]
    page = browser.get("/cabinet/statement")
    assert page.status_code == 200 and 'value="2027-03-01"' in page.text and 'value="2027-03-20"' in page.text
    assert 'aria-current="page">Statement' in page.text


def test_the_xlsx_has_the_figures_as_numbers(app, ledger):
    response = client_of(app, ledger).get("/cabinet/statement.xlsx", query_string=PERIOD)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Statement", "Balances", "Money", "Securities"]
    about = {row[0]: row[1] for row in book["Statement"].iter_rows(min_row=2, values_only=True)}
    assert about["Client"] == "Сатпаев Ержан" and about["IIN"] == ledger.iin and about["Broker"] == "АО «Алатау Брокер»"
    balances = list(book["Balances"].iter_rows(min_row=2, values_only=True))
    assert balances == [("Money", "KZT", 1000000.5, 0, -250150.25, 749850.25),
                        ("Money", "USD", 0, 500, 0, 500),
                        ("KASE (this desk's market)", "KZTK", 100, 20, 0, 120)]
    assert book["Balances"]["C2"].number_format == "#,##0.00" and book["Balances"]["C4"].number_format == "#,##0"
    money = list(book["Money"].iter_rows(min_row=2, values_only=True))
    assert [row[3] for row in money] == ["Opening balance", "Withdrawal", "Fee", "Closing balance",
                                         "Opening balance", "Deposit", "Closing balance"]
    assert money[1][2].isoformat() == "2027-03-01T00:00:00" and money[1][5] == -250000
    securities = list(book["Securities"].iter_rows(min_row=2, values_only=True))
    assert securities[1][4:] == ("D-7", 20, securities[1][6]) and securities[1][6].date().isoformat() == "2027-03-17"


def pdf_text(data: bytes, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()


def pdf_pages(data: bytes) -> int:
    output = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return int(next(line.split(":")[1] for line in output.splitlines() if line.startswith("Pages:")))


def test_the_pdf_has_the_title_the_parties_the_period_and_the_figures(app, ledger):
    response = client_of(app, ledger).get("/cabinet/statement.pdf", query_string=PERIOD)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    pages = pdf_pages(response.data)
    text = pdf_text(response.data)
    for needle in ("Statement of account", "Сатпаев Ержан", ledger.iin, ledger.agreement_number, "15.01.2026",
                   "АО «Алатау Брокер»", "01.03.2027 – 31.03.2027", "749,850.25", "-250,000.00", "D-7",
                   f"Page 1 / {pages}"):
        assert needle in text, needle
    assert "OTHER-REF" not in text and "123,456.78" not in text


def test_a_long_statement_runs_over_pages_numbered_n_of_n(app, make_client, entry):
    me = make_client()
    for number in range(150):
        entry(me, almaty(2027, 3, 2, 9, number % 60), None, "KZT", "10.00", reference=f"R-{number}")
    data = log_in(app, me.user).get("/cabinet/statement.pdf", query_string=PERIOD).data
    pages = pdf_pages(data)
    assert pages > 1
    assert f"Page {pages} / {pages}" in pdf_text(data, pages) and "1,500.00" in pdf_text(data)


@pytest.mark.parametrize("query, message", [
    ({"date_from": "2027-03-31", "date_to": "2027-03-01"}, "The start of the period is after its end."),
    ({"date_from": "2024-03-01", "date_to": "2027-03-01"}, "at most 3 years"),
    ({"date_from": "1899-12-31"}, "Choose dates from 2000-01-01 to 2099-12-31."),
    ({"date_to": "not-a-date"}, "Not a valid date"),
])
def test_a_bad_period_is_refused_with_a_clear_message(app, ledger, query, message):
    browser = client_of(app, ledger)
    for path in ("/cabinet/statement", "/cabinet/statement.xlsx", "/cabinet/statement.pdf"):
        response = browser.get(path, query_string=query)
        assert response.status_code == 422 and message in response.text, path
        assert response.mimetype == "text/html"
    answer = browser.get("/api/v1/cabinet/statement", query_string=query)
    assert answer.status_code == 422 and answer.json["code"] == "validation_error"


def test_three_years_to_the_day_is_allowed(app, ledger):
    answer = client_of(app, ledger).get("/api/v1/cabinet/statement",
                                        query_string={"date_from": "2024-03-01", "date_to": "2027-02-28"})
    assert answer.status_code == 200
    assert [(a["asset"], a["closing"]) for a in answer.json["accounts"]] == [("KZT", "1000000.50"), ("KZAP", "0"),
                                                                            ("KZTK", "100")]


def test_a_login_without_an_agreement_has_no_statement(app, make_user, ledger):
    stranger = log_in(app, make_user(Role.CLIENT))
    for path in ("/cabinet/statement", "/cabinet/statement.xlsx", "/cabinet/statement.pdf",
                 "/api/v1/cabinet/statement"):
        assert stranger.get(path, query_string=PERIOD).status_code == 404, path


def test_the_back_office_has_no_statement_page(app, office, ledger):
    assert log_in(app, office).get("/cabinet/statement").status_code == 403


def test_an_empty_period_says_so(app, make_client):
    response = log_in(app, make_client().user).get("/cabinet/statement")
    assert response.status_code == 200 and "Nothing on the accounts in this period." in response.text
    assert log_in(app, make_client("Второй Клиент").user).get("/cabinet/statement.pdf").data.startswith(b"%PDF")


def test_amounts_are_decimals_not_floats(ledger):
    from app.cabinet.statement import Period, statement
    from app.extensions import db
    found = statement(db.session, ledger, Period(almaty(2027, 3, 1, 0).date(), almaty(2027, 3, 31, 0).date()))
    assert [(a.asset, a.opening, a.credits, a.debits, a.closing) for a in found.accounts] == [
        ("KZT", Decimal("1000000.50"), Decimal("0.00"), Decimal("-250150.25"), Decimal("749850.25")),
        ("USD", Decimal("0.00"), Decimal("500.00"), Decimal("0.00"), Decimal("500.00")),
        ("KZTK", Decimal("100"), Decimal("20"), Decimal("0"), Decimal("120"))]
