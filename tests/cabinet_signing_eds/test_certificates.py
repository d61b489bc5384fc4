"""The trust store and the chain rules: every signature of the chain checked, issuers must be CAs,
CRLs count only when their issuer signed them."""
import pytest
from asn1crypto import pem

from app.cabinet.signing.certificates import TrustStore
from app.cabinet.signing.xmldsig import SignatureRefused, verify_signed_xml
from tests.cabinet_signing_eds.pki import (
    AT, CA_USAGE, CA_VALIDITY, CLIENT_IIN, PAST_VALIDITY, CertificateRequest, GostScheme, Party, document,
)

ALGORITHMS = ["rsa", "gost"]


def _refusal(pki, signer: Party, trust: TrustStore) -> str | None:
    try:
        verify_signed_xml(pki.sign(document(), signer), document(), trust, AT, CLIENT_IIN)
    except SignatureRefused as refused:
        return refused.code
    return None


def _intermediate(subject="ТЕСТОВЫЙ НУЦ", validity=CA_VALIDITY, ca=True):
    return CertificateRequest(subject=(("CN", subject), ("C", "KZ")), validity=validity, usage=CA_USAGE, ca=ca)


def test_the_store_reads_pem_and_der_files_with_several_objects(rsa_pki, tmp_path):
    cas, foreign, crl_file = tmp_path / "nca.pem", tmp_path / "foreign.cer", tmp_path / "nca.crl"
    cas.write_bytes(b"".join(pem.armor("CERTIFICATE", party.certificate)
                             for party in (rsa_pki.root, rsa_pki.intermediate)))
    foreign.write_bytes(rsa_pki.foreign_root.certificate)
    crl_file.write_bytes(rsa_pki.revocation_list)
    trust = TrustStore.from_pem_files([str(cas), str(foreign)], [str(crl_file)])
    assert [root.subject for root in trust.roots] == [rsa_pki.root.parsed.subject, rsa_pki.foreign_root.parsed.subject]
    assert [ca.subject for ca in trust.intermediates] == [rsa_pki.intermediate.parsed.subject]
    assert _refusal(rsa_pki, rsa_pki.client, trust) is None
    assert _refusal(rsa_pki, rsa_pki.revoked, trust) == "revoked"


def test_an_empty_configuration_trusts_nobody(rsa_pki):
    assert _refusal(rsa_pki, rsa_pki.client, TrustStore.from_pem_files([], [])) == "untrusted_chain"


def test_a_file_that_is_not_a_certificate_is_a_configuration_error(tmp_path):
    broken = tmp_path / "broken.pem"
    broken.write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(ValueError):
        TrustStore.from_pem_files([str(broken)], [])


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_the_intermediate_must_be_configured(pki_for, algorithm):
    pki = pki_for(algorithm)
    trust = TrustStore(roots=[pki.root.parsed], intermediates=[], crls=[])
    assert _refusal(pki, pki.client, trust) == "untrusted_chain"


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_an_intermediate_not_signed_by_the_root_breaks_the_chain(pki_for, algorithm):
    """Same name, same key, the root's name as issuer, but signed by another key."""
    pki = pki_for(algorithm)
    impostor_root = Party(pki.foreign_root.key, pki.root.certificate)
    forged = pki.scheme.issue(_intermediate(), pki.intermediate.key, impostor_root)
    trust = TrustStore(roots=[pki.root.parsed], intermediates=[forged.parsed], crls=[])
    assert _refusal(pki, pki.client, trust) == "untrusted_chain"


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_an_issuer_that_is_not_a_ca_breaks_the_chain(pki_for, algorithm):
    pki = pki_for(algorithm)
    not_a_ca = pki.scheme.issue(_intermediate("НЕ УЦ", ca=False), pki.scheme.new_key(), pki.root)
    signer = pki.scheme.issue(CertificateRequest(), pki.client.key, not_a_ca)
    trust = TrustStore(roots=[pki.root.parsed], intermediates=[not_a_ca.parsed], crls=[])
    assert _refusal(pki, signer, trust) == "untrusted_chain"


def test_an_expired_intermediate_expires_the_chain(rsa_pki):
    old = rsa_pki.scheme.issue(_intermediate("СТАРЫЙ НУЦ", validity=PAST_VALIDITY), rsa_pki.scheme.new_key(),
                               rsa_pki.root)
    signer = rsa_pki.scheme.issue(CertificateRequest(), rsa_pki.client.key, old)
    trust = TrustStore(roots=[rsa_pki.root.parsed], intermediates=[old.parsed], crls=[])
    assert _refusal(rsa_pki, signer, trust) == "expired"


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_crl_its_issuer_did_not_sign_is_ignored(pki_for, algorithm):
    pki = pki_for(algorithm)
    serial = pki.client.parsed.serial_number
    forged = pki.scheme.revocation_list(pki.intermediate, [serial], signer_key=pki.foreign_root.key)
    assert _refusal(pki, pki.client, pki.trust(crls=[forged])) is None


def test_a_crl_of_another_issuer_does_not_revoke(rsa_pki):
    other = rsa_pki.scheme.revocation_list(rsa_pki.foreign_root, [rsa_pki.client.parsed.serial_number])
    assert _refusal(rsa_pki, rsa_pki.client, rsa_pki.trust(crls=[other])) is None


def test_tc26_certificates_use_the_rfc_9215_byte_order():
    """A chain signed with TC26's OIDs (s || r big-endian) verifies like NCA's."""
    scheme = GostScheme(tc26=True)
    root = scheme.issue(_intermediate("TC26 ROOT"), scheme.new_key(), None)
    client = scheme.issue(CertificateRequest(), scheme.new_key(), root)
    signed = scheme.sign_xml(document(), client)
    trust = TrustStore(roots=[root.parsed], intermediates=[], crls=[])
    assert verify_signed_xml(signed, document(), trust, AT, CLIENT_IIN).algorithm == "gost2015-512"
