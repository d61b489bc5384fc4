"""The audit page: who may open it, filters, keyset pages, expandable rows, the verify button
and the CSV export."""
import csv
import io
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.audit.search import FORMULA_PREFIXES, safe_cell
from app.auth.roles import Role
from tests.audit.conftest import last_audit_id

ALMATY = ZoneInfo("Asia/Almaty")


@pytest.fixture
def staff(client, login_as):
    user = login_as(Role.EXCHANGE_STAFF)
    client.post("/language", data={"lang": "en"})
    return user


def shown_ids(response) -> list[int]:
    text = response.text
    ids, marker = [], 'data-event-id="'
    start = text.find(marker)
    while start != -1:
        end = text.index('"', start + len(marker))
        ids.append(int(text[start + len(marker):end]))
        start = text.find(marker, end)
    return ids


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.MINFIN, Role.PRIMARY_DEALER, Role.CLIENT])
def test_other_roles_are_refused(client, login_as, role):
    login_as(role)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403
    assert client.post("/audit/verify").status_code == 403


def test_admin_may_read_it(client, login_as):
    login_as(Role.ADMIN)
    assert client.get("/audit/").status_code == 200


def test_rows_newest_first_with_details(client, staff, add_events):
    add_events(1, action="thing.renamed", after={"name": "Новое имя", "n": 1})
    response = client.get("/audit/")
    assert response.status_code == 200
    ids = shown_ids(response)
    assert ids == sorted(ids, reverse=True) and ids[0] == last_audit_id()
    assert "<details" in response.text and "thing.renamed" in response.text
    assert "&#34;name&#34;: &#34;Новое имя&#34;" in response.text  # pretty-printed, not escaped to \u
    assert "&#34;n&#34;: 1,\n" in response.text


def test_keyset_pages_of_50(client, staff, add_events):
    add_events(60)
    newest = last_audit_id()
    first = client.get("/audit/")
    assert shown_ids(first) == list(range(newest, newest - 50, -1))
    assert f"before={newest - 49}" in first.text and "after=" not in first.text
    second = client.get(f"/audit/?before={newest - 49}")
    assert shown_ids(second) == list(range(newest - 50, 0, -1))
    assert "before=" not in second.text.split('class="pager"')[1]
    back = client.get(f"/audit/?after={newest - 50}")
    assert shown_ids(back) == shown_ids(first)


def test_pages_keep_the_filters(client, staff, add_events):
    add_events(55, action="thing.counted")
    add_events(3, action="thing.other")
    page = client.get("/audit/?action=thing.counted")
    ids = shown_ids(page)
    assert len(ids) == 50
    assert f"action=thing.counted&amp;before={ids[-1]}" in page.text
    rest = client.get(f"/audit/?action=thing.counted&before={ids[-1]}")
    assert len(shown_ids(rest)) == 5


def shown_actions(response) -> set[str]:
    return set(re.findall(r'data-action="([^"]+)"', response.text))


def test_filters_by_actor_organisation_object_and_action(client, staff, make_user, add_events):
    other = make_user(Role.ISSUER)
    add_events(2, action="thing.made", object_type="gadget", object_id="77")
    # Logins are matched case-insensitively; the staff user logged in and chose English.
    assert shown_actions(client.get(f"/audit/?actor={staff.login.upper()}")) == {"user.login", "user.locale_changed"}
    assert shown_actions(client.get(f"/audit/?organisation={staff.organisation_id}")) == {
        "user.login", "user.locale_changed"}
    assert shown_ids(client.get(f"/audit/?organisation={other.organisation_id}")) == []  # it never acted
    assert len(shown_ids(client.get("/audit/?object_type=gadget&object_id=77"))) == 2
    assert shown_ids(client.get("/audit/?object_type=gadget&object_id=78")) == []
    assert shown_actions(client.get("/audit/?action=user.created")) == {"user.created"}


def test_request_id_filter_finds_one_requests_changes(client, staff):
    client.post("/language", data={"lang": "kk"}, headers={"X-Request-ID": "req-abcdef-123"})
    client.post("/language", data={"lang": "en"}, headers={"X-Request-ID": "req-other-456"})
    response = client.get("/audit/?request_id=req-abcdef-123")
    ids = shown_ids(response)
    assert len(ids) == 1
    assert "req-abcdef-123" in response.text and "req-other-456" not in response.text


def test_period_is_in_almaty_dates(client, staff, record_at):
    midnight = datetime(2026, 1, 2, tzinfo=ALMATY)
    late = record_at(midnight - timedelta(seconds=1))
    early = record_at(midnight)
    assert shown_ids(client.get("/audit/?date_from=2026-01-02&date_to=2026-01-02")) == [early.id]
    assert shown_ids(client.get("/audit/?date_from=2026-01-01&date_to=2026-01-01")) == [late.id]
    assert shown_ids(client.get("/audit/?date_to=2026-01-01")) == [late.id]


def test_bad_filters_are_explained(client, staff):
    response = client.get("/audit/?date_from=2026-02-01&date_to=2026-01-01&organisation=999999")
    assert response.status_code == 200
    assert "The end of the period is before its start." in response.text
    assert "Not a valid choice" in response.text
    assert shown_ids(response) == []


def test_verify_button_reports_intact(client, staff):
    response = client.post("/audit/verify", follow_redirects=True)
    assert "The audit chain is intact" in response.text


def test_verify_button_names_the_broken_row(client, staff, add_events, tamper):
    add_events(3)
    victim = last_audit_id() - 1
    tamper("UPDATE audit_events SET object_id = 'x' WHERE id = :id", id=victim)
    response = client.post("/audit/verify", follow_redirects=True)
    assert (f"The audit chain is broken at row {victim} (thing:1 #1): row contents do not match its hash"
            in response.text)


def read_csv(response) -> list[list[str]]:
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-trail-')
    assert response.data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_export_has_the_filtered_rows_with_formulas_defused(client, staff, add_events):
    add_events(1, action="note.added", object_id="=HYPERLINK(\"http://evil\")", after={"text": "x"})
    add_events(1, action="note.added", object_id="@SUM(A1)")
    add_events(1, action="other.thing", object_id="plain")
    rows = read_csv(client.get("/audit/export.csv?action=note.added"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["id", "occurred_at_utc", "actor_login"]
    object_ids = [row[header.index("object_id")] for row in body]
    assert object_ids == ["'@SUM(A1)", "'=HYPERLINK(\"http://evil\")"]
    assert body[1][header.index("after")] == '{"text": "x"}'


def test_export_with_bad_filters_goes_back_to_the_page(client, staff):
    response = client.get("/audit/export.csv?date_from=bad")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/audit/?date_from=bad")


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_every_formula_prefix_is_defused(prefix):
    assert safe_cell(prefix + "1+1") == "'" + prefix + "1+1"


@pytest.mark.parametrize("value", ["plain", "1+1", "", None, 42, -3, date(2026, 1, 1)])
def test_other_cells_are_left_alone(value):
    assert safe_cell(value) == value
