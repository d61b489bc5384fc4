"""The sandbox signer's certifying centre: made once, private files, verified like NCALayer's."""
import stat
from datetime import UTC, datetime

import pytest

from app.cabinet.signing.sandbox_pki import make_sandbox_identity, sandbox_sign, sandbox_trust
from app.cabinet.signing.xmldsig import SignatureRefused, verify_signed_xml
from tests.cabinet_signing_eds.pki import CLIENT_IIN, document


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "sandbox_pki"
    make_sandbox_identity(folder, CLIENT_IIN, "ТЕСТОВ ТЕСТ")
    return folder


def test_the_identity_is_made_once_in_private_files(folder):
    contents = {path.name: path.read_bytes() for path in folder.iterdir()}
    make_sandbox_identity(folder, CLIENT_IIN, "ТЕСТОВ ТЕСТ")
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == contents
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(path.stat().st_mode) for path in folder.iterdir()} == {0o600}


@pytest.mark.parametrize("at", [datetime(2026, 6, 1, tzinfo=UTC), datetime(2041, 1, 1, tzinfo=UTC)])
def test_a_sandbox_signature_verifies_against_the_sandbox_root(folder, at):
    verified = verify_signed_xml(sandbox_sign(document(), folder, CLIENT_IIN), document(), sandbox_trust(folder),
                                 at, CLIENT_IIN)
    assert (verified.iin, verified.algorithm) == (CLIENT_IIN, "rsa-sha256")
    assert "CN=ТЕСТОВ ТЕСТ" in verified.subject


def test_a_second_client_shares_the_root(folder):
    make_sandbox_identity(folder, "880202400002", "ПЕТРОВ ПЁТР")
    signed = sandbox_sign(document(), folder, "880202400002")
    with pytest.raises(SignatureRefused) as refused:
        verify_signed_xml(signed, document(), sandbox_trust(folder), datetime(2026, 6, 1, tzinfo=UTC), CLIENT_IIN)
    assert (refused.value.code, refused.value.iin) == ("wrong_iin", "880202400002")


def test_before_any_identity_the_sandbox_trusts_nobody(folder, tmp_path):
    signed = sandbox_sign(document(), folder, CLIENT_IIN)
    with pytest.raises(SignatureRefused) as refused:
        verify_signed_xml(signed, document(), sandbox_trust(tmp_path / "empty"), datetime(2026, 6, 1, tzinfo=UTC),
                          CLIENT_IIN)
    assert refused.value.code == "untrusted_chain"


@pytest.mark.parametrize("iin", ["../../etc", "12345678901", "1234567890123", ""])
def test_an_iin_is_twelve_digits(tmp_path, iin):
    with pytest.raises(ValueError):
        make_sandbox_identity(tmp_path / "sandbox_pki", iin, "X")
