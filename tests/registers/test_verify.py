"""`flask registers verify` and the /registers/verify page."""
import hashlib
import re
from io import BytesIO
from pathlib import Path

import pytest

from app.auth.roles import Role
from app.registers.signing import ensure_identity, sign_register, sign_register_enveloped
from app.registers.xml import write_register_xml
from tests.conftest import TEST_PASSWORD
from tests.registers.conftest import register_header, register_rows


@pytest.fixture
def reader(signing_app, client, login_as):
    """A logged-in participant who reads the desk in English, the msgid language."""
    login_as(Role.PARTICIPANT)
    client.post("/language", data={"lang": "en"})
    return client


@pytest.fixture
def signed(signing_app, tmp_path) -> tuple[Path, Path]:
    path = tmp_path / "SUB-7-accepted.xml"
    write_register_xml(path, register_header(count=3), register_rows(3))
    return path, sign_register(path, row_count=3)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- CLI -----------------------------------------------------------------------------------------------

def test_cli_says_valid_with_digest_and_signer(runner, signed):
    register, signature = signed
    result = runner.invoke(args=["registers", "verify", str(register), str(signature)])

    assert result.exit_code == 0, result.output
    assert result.output == (f"valid: sha256={digest(register)} "
                             "signer=CN=Demo Stock Exchange register signing,O=Demo Stock Exchange\n")


def test_cli_finds_the_signature_beside_the_register(runner, signed):
    assert runner.invoke(args=["registers", "verify", str(signed[0])]).exit_code == 0


def test_cli_exits_1_with_the_reason(runner, signed):
    register, signature = signed
    register.write_bytes(register.read_bytes().replace(b"Investor 2", b"Investor 9"))

    result = runner.invoke(args=["registers", "verify", str(register), str(signature)])
    assert result.exit_code == 1
    assert result.output.startswith("invalid: The register does not match its signature")
    assert digest(register) in result.output


def test_cli_checks_a_signature_inside_a_small_register(runner, signing_app, tmp_path):
    path = tmp_path / "small.xml"
    write_register_xml(path, register_header(count=2), register_rows(2))
    sign_register_enveloped(path)

    assert runner.invoke(args=["registers", "verify", str(path)]).exit_code == 0
    path.write_bytes(path.read_bytes().replace(b"Investor 1", b"Investor 7"))
    assert runner.invoke(args=["registers", "verify", str(path)]).exit_code == 1


def test_cli_refuses_a_missing_file(runner, signing_app, tmp_path):
    result = runner.invoke(args=["registers", "verify", str(tmp_path / "nope.xml"), str(tmp_path / "nope.sig")])

    assert result.exit_code == 2 and "does not exist" in result.output


# --- page ----------------------------------------------------------------------------------------------

def upload(client, register: bytes, signature: bytes | None):
    data = {"register": (BytesIO(register), "register.xml")}
    if signature is not None:
        data["signature"] = (BytesIO(signature), "register.xml.sig")
    return client.post("/registers/verify", data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.CLIENT, Role.EXCHANGE_STAFF])
def test_any_logged_in_role_opens_the_page(signing_app, client, login_as, role):
    login_as(role)
    response = client.get("/registers/verify")

    assert response.status_code == 200
    assert b'name="csrf_token"' in response.data and b'enctype="multipart/form-data"' in response.data


def test_anonymous_visitors_are_sent_to_log_in(signing_app, client):
    response = client.get("/registers/verify")

    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_page_shows_valid_digest_and_signer(reader, signed):
    response = upload(reader, signed[0].read_bytes(), signed[1].read_bytes())

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="verify-result"' in page
    assert "badge-ok" in page and digest(signed[0]) in page
    assert "CN=Demo Stock Exchange register signing" in page


def test_page_shows_invalid_for_a_changed_file(signing_app, client, login_as, signed):
    login_as(Role.ISSUER)
    changed = signed[0].read_bytes().replace(b"Investor 2", b"Investor 9")
    page = upload(client, changed, signed[1].read_bytes()).get_data(as_text=True)

    assert "badge-danger" in page and "badge-ok" not in page
    assert hashlib.sha256(changed).hexdigest() in page


def test_page_checks_a_signature_by_another_key_as_invalid(reader, signed, tmp_path):
    other = ensure_identity(tmp_path / "o" / "key.pem", tmp_path / "o" / "cert.pem", "Somebody Else")
    forged = sign_register(signed[0], row_count=3, identity=other)

    page = upload(reader, signed[0].read_bytes(), forged.read_bytes()).get_data(as_text=True)
    assert "badge-danger" in page and "exchange&#39;s certificate" in page


def test_page_asks_for_the_register(reader):
    page = reader.post("/registers/verify", data={}, content_type="multipart/form-data").get_data(as_text=True)

    assert "Choose the register file." in page and 'data-testid="verify-result"' not in page


def csrf_token_of(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_the_form_needs_its_csrf_token(make_app, make_user, signed):
    """As in production: without the page's token the upload is refused; with it, checked."""
    from app.registers.views import bp

    app = make_app(WTF_CSRF_ENABLED=True, REGISTER_SIGNING_CERT=signing_cert(signed))
    if "registers" not in app.blueprints:
        app.register_blueprint(bp)
    client = app.test_client()
    user = make_user(Role.PARTICIPANT)
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"login": user.login, "password": TEST_PASSWORD,
                                       "csrf_token": token}).status_code == 302
    files = {"register": (BytesIO(signed[0].read_bytes()), "r.xml"),
             "signature": (BytesIO(signed[1].read_bytes()), "r.xml.sig")}

    assert client.post("/registers/verify", data=dict(files), content_type="multipart/form-data").status_code == 400
    token = csrf_token_of(client.get("/registers/verify").get_data(as_text=True))
    files = {"register": (BytesIO(signed[0].read_bytes()), "r.xml"),
             "signature": (BytesIO(signed[1].read_bytes()), "r.xml.sig")}
    response = client.post("/registers/verify", data={**files, "csrf_token": token}, content_type="multipart/form-data")
    assert response.status_code == 200 and "badge-ok" in response.get_data(as_text=True)


def signing_cert(signed) -> str:
    return str(signed[0].parent / "signing" / "cert.pem")


def test_messages_quoting_a_file_are_escaped_in_pages(app):
    """flask-babel's lazy strings pass as safe HTML; the messages that quote uploads must not."""
    from flask import render_template_string
    from flask_babel import lazy_gettext

    from app.registers.rows import Text

    with app.test_request_context():
        assert render_template_string("{{ m }}", m=Text(lazy_gettext("bad <b>%(v)s</b>", v="<script>"))) == \
            "bad &lt;b&gt;&lt;script&gt;&lt;/b&gt;"
