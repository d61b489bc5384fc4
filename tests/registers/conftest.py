"""Register rows for the writer, reader and signature tests, and an app whose signing key lives
in the test's own folder."""
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale

from app.registers.rows import RegisterHeader, RegisterRow

GENERATED_AT = datetime(2026, 11, 26, 6, 30, tzinfo=UTC)
SUBMITTED_AT = datetime(2026, 11, 23, 3, 0, 0, 250_000, tzinfo=UTC)


def register_header(kind: str = "accepted", count: int = 3, **changes) -> RegisterHeader:
    header = RegisterHeader(register_kind=kind, offering_number="SUB-2026-0007", security_isin="KZ2C00012345",
                            security_name="Bonds & <Notes> \"A\"", seller_name="Seller Securities JSC",
                            seller_bin="012345678901", price_min=Decimal("95.0000"), price_max=Decimal("100.0000"),
                            currency="KZT", generated_at=GENERATED_AT, bid_count=count)
    return replace(header, **changes)


def register_row(number: int, kind: str = "accepted", **changes) -> RegisterRow:
    """Every 4th bid is a market bid; in a satisfied register every 5th is refused (0, no price)."""
    market = number % 4 == 0
    refused = number % 5 == 0
    row = RegisterRow(
        bid_number=number, participant_name=f"Broker {number % 3} JSC", participant_bin=f"{number % 3:012d}",
        investor_iin_bin=f"{800101300000 + number}", investor_name=f"Investor {number}",
        investor_category="individual" if number % 2 else "bank", qualified=number % 2 == 0,
        kind="market" if market else "limit", price=None if market else Decimal("98.1250") + number,
        quantity=number * 10, amount=Decimal(number * 1000) + Decimal("0.50"),
        submitted_at=SUBMITTED_AT + timedelta(seconds=number), settlement_code="T0",
        satisfied_price=None if kind == "accepted" or refused else Decimal("98.5000"),
        satisfied_quantity=None if kind == "accepted" else (0 if refused else number * 5),
    )
    return replace(row, **changes)


def register_rows(count: int = 3, kind: str = "accepted") -> Iterator[RegisterRow]:
    return (register_row(number, kind) for number in range(1, count + 1))


@pytest.fixture
def signing_app(app, tmp_path):
    """The test app with its signing key and certificate under tmp_path, and the registers
    page and CLI group present (registered here until the factory registers them)."""
    from app.registers.cli import registers_cli
    from app.registers.views import bp

    folder = tmp_path / "signing"
    app.config.update(REGISTER_SIGNING_KEY=str(folder / "key.pem"), REGISTER_SIGNING_CERT=str(folder / "cert.pem"))
    if "registers" not in app.blueprints:
        app.register_blueprint(bp)
    if "registers" not in app.cli.commands:
        app.cli.add_command(registers_cli)
    return app


@pytest.fixture
def in_english(app):
    """Messages are compared in English, the msgid language, whatever catalogs exist."""
    with force_locale("en"):
        yield
