"""The clock service: refusals that the pages never let through."""
from datetime import UTC, datetime

import pytest

from app.clock import services
from app.extensions import db


def test_a_naive_time_is_refused(app):
    with pytest.raises(ValueError, match="naive"):
        services.set_sandbox_time(db.session, datetime(2026, 3, 20, 10, 30), True, None)


def test_with_the_sandbox_off_nothing_can_be_set_or_reset(make_app):
    with make_app(SANDBOX_CLOCK=False).app_context():
        with pytest.raises(services.SandboxDisabled):
            services.set_sandbox_time(db.session, datetime(2026, 3, 20, 5, 30, tzinfo=UTC), True, None)
        with pytest.raises(services.SandboxDisabled):
            services.reset_sandbox(db.session)
        with pytest.raises(services.SandboxDisabled):
            services.shift_sandbox(db.session, "plus_hour", None)


def test_one_request_reads_one_time(app):
    with app.test_request_context("/"):
        assert services.now() is services.now()


def test_an_unknown_shift_is_an_error(app):
    with pytest.raises(ValueError, match="unknown shift"):
        services.shifted(db.session, datetime(2026, 3, 20, 5, 30, tzinfo=UTC), "plus_year")
