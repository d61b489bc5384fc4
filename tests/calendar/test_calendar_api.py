"""GET /api/v1/calendar/days and /api/v1/calendar/business-days-before."""
import pytest

from app.auth.roles import Role


@pytest.fixture
def dealer(client, login_as):
    login_as(Role.PRIMARY_DEALER)
    client.post("/language", data={"lang": "en"})
    return client


def test_days(dealer):
    response = dealer.get("/api/v1/calendar/days?from=2026-03-20&to=2026-03-27")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["from"], body["to"]) == ("2026-03-20", "2026-03-27")
    days = {day["date"]: day for day in body["days"]}
    assert len(days) == 8
    assert days["2026-03-20"] == {"date": "2026-03-20", "weekday": 5, "weekend": False, "business_day": True,
                                  "trading_day": True, "holiday": None, "transferred_working_day": False,
                                  "override": None}
    assert days["2026-03-24"]["holiday"] == "Nowruz Holiday (observed)"
    assert days["2026-03-24"]["business_day"] is False
    assert days["2026-03-26"]["business_day"] is True


def test_days_show_overrides(client, login_as):
    login_as(Role.EXCHANGE_STAFF)
    client.post("/calendar/overrides", data={"day": "2026-04-15", "kind": "non_trading_day", "note": "Upgrade"})
    (day,) = client.get("/api/v1/calendar/days?from=2026-04-15&to=2026-04-15").get_json()["days"]
    assert day["override"] == {"kind": "non_trading_day", "note": "Upgrade"}
    assert day["business_day"] is True and day["trading_day"] is False


@pytest.mark.parametrize("query, field", [
    ("to=2026-03-27", "from"),
    ("from=2026-03-20", "to"),
    ("from=20.03.2026&to=2026-03-27", "from"),
    ("from=2026-03-27&to=2026-03-20", "to"),
    ("from=2026-01-01&to=2027-06-01", "to"),
    ("from=1999-12-31&to=2000-01-02", "from"),
])
def test_days_refuse_a_bad_query_naming_the_field(dealer, query, field):
    response = dealer.get(f"/api/v1/calendar/days?{query}")
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "validation_error" and body["message"]
    assert list(body["details"]["query"]) == [field]


@pytest.mark.parametrize("date, n, result", [
    ("2026-03-26", 1, "2026-03-20"),
    ("2026-03-26", 3, "2026-03-18"),
    ("2026-03-30", 1, "2026-03-27"),
])
def test_business_days_before(dealer, date, n, result):
    response = dealer.get(f"/api/v1/calendar/business-days-before?date={date}&n={n}")
    assert response.status_code == 200
    assert response.get_json() == {"date": date, "n": n, "result": result}


@pytest.mark.parametrize("query, field", [
    ("n=1", "date"),
    ("date=2026-03-26", "n"),
    ("date=2026-03-26&n=0", "n"),
    ("date=2026-03-26&n=two", "n"),
    ("date=2026-13-01&n=1", "date"),
    ("date=2000-01-04&n=5", "date"),  # the answer would fall in 1999
])
def test_business_days_before_refuses_a_bad_query(dealer, query, field):
    response = dealer.get(f"/api/v1/calendar/business-days-before?{query}")
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "validation_error"
    assert field in body["details"]["query"]


def test_anonymous_calls_are_refused(client):
    response = client.get("/api/v1/calendar/days?from=2026-03-20&to=2026-03-27")
    assert response.status_code == 401 and response.get_json()["code"] == "unauthorized"


def test_the_endpoints_are_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    days = spec["paths"]["/api/v1/calendar/days"]["get"]
    assert {parameter["name"] for parameter in days["parameters"]} == {"from", "to"}
    before = spec["paths"]["/api/v1/calendar/business-days-before"]["get"]
    assert {parameter["name"] for parameter in before["parameters"]} == {"date", "n"}
    assert "/api/v1/clock" in spec["paths"]
