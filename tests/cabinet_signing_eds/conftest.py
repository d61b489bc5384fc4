"""Test certifying centres, made once per session (GOST keys take a second each in pure Python)."""
import pytest

from tests.cabinet_signing_eds.pki import GostScheme, RsaScheme, make_pki


@pytest.fixture(scope="session")
def rsa_pki():
    return make_pki(RsaScheme())


@pytest.fixture(scope="session")
def gost_pki():
    return make_pki(GostScheme())


@pytest.fixture
def pki_for(request):
    """pki_for("rsa") / pki_for("gost"): the session's certifying centre of that algorithm."""
    return lambda algorithm: request.getfixturevalue(f"{algorithm}_pki")
