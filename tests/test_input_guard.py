"""Text with a NUL character is refused at the edge, with the field named, on both backends."""
import io

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.roles import Role
from app.extensions import db
from tests.conftest import TEST_PASSWORD


def test_a_login_with_a_nul_is_a_400_page_and_counts_nothing(app, client, make_user):
    user = make_user(Role.PARTICIPANT)
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = client.post("/login", data={"login": user.login + "\x00", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "NUL" in response.text and "Traceback" not in response.text
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_the_api_names_the_json_field_holding_a_nul(client):
    response = client.post("/api/v1/calculator",
                           json={"kind": "discount\x00", "face_value": "1000.00", "items": [{"x": "\x00"}]})
    assert response.status_code == 422
    assert response.json["code"] == "validation_error"
    assert set(response.json["details"]["json"]) == {"kind", "items.0.x"}


def test_a_nul_in_the_query_or_the_path_is_refused(client, login_as):
    response = client.get("/api/v1/calendar/days?from=%00")
    assert response.status_code == 422 and response.json["details"]["query"] == {"from": [
        "Текст не может содержать символ NUL (код 0)."]}
    login_as(Role.PARTICIPANT)
    page = client.get("/market/trade/1/KZ%00X")
    assert page.status_code == 400 and "NUL" in page.text


def test_a_file_may_hold_any_byte(client, login_as):
    """Only a file's name is text: XLSX content is binary, NULs and all."""
    login_as(Role.EXCHANGE_STAFF)
    upload = {"file": (io.BytesIO(b"PK\x03\x04\x00\x00"), "balances.xlsx")}
    response = client.post("/market/staff/balances", data=upload, content_type="multipart/form-data")
    assert response.status_code == 422  # the file is not a workbook: a form error, not the NUL refusal
    assert "NUL" not in response.text
