"""`flask market …`: the trading day's steps for operators and a scheduler, and the journal checks.

Messages are printed in English (an operators' console has one language, whatever the desk's
default); a refusal exits 1 with its reason.
"""
import sys
from pathlib import Path

import click
from flask import g
from flask.cli import AppGroup
from flask_babel import force_locale

from app.audit.services import Actor
from app.clock.services import now
from app.domain.calendar import almaty_date
from app.extensions import db
from app.refusals import Refusal
from app.secondary import balances, schedule, surveillance
from app.secondary.engine import replay, sequencer
from app.secondary.engine.commands import Ack

market_cli = AppGroup("market", help="The secondary market: trading day, balances, journal.")


def _cli_actor() -> None:
    g.audit_actor = Actor(None, "cli", None, None)


def _refused(error: Refusal) -> None:
    db.session.rollback()
    click.echo(f"refused: {error.message}", err=True)
    for row, message in error.problems or ():
        click.echo(f"  row {row if row is not None else '-'}: {message}", err=True)
    sys.exit(1)


@market_cli.command("open-day")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), help="Trading day (default: today, Almaty).")
@click.option("--opens", help="Opening time HH:MM, Almaty (default: MARKET_OPENS).")
@click.option("--closes", help="Closing time HH:MM, Almaty (default: MARKET_CLOSES).")
def open_day(day, opens: str | None, closes: str | None):
    """Open the trading day: positions roll over, orders are accepted from the opening time."""
    _cli_actor()
    with force_locale("en"):
        try:
            default_opens, default_closes = schedule.default_times()
            opens_at = schedule.parse_clock(opens, "opens") if opens else default_opens
            closes_at = schedule.parse_clock(closes, "closes") if closes else default_closes
            trading_day = day.date() if day else almaty_date(now())
            ack = schedule.open_day(db.session, trading_day, opens_at, closes_at)
        except Refusal as error:
            _refused(error)
    click.echo(f"opened {trading_day.isoformat()} {opens_at:%H:%M}-{closes_at:%H:%M} Almaty (event {ack.seq})")


@market_cli.command("close-day")
def close_day():
    """Close the session now: cancel unfilled day orders, settle the deals due today (DVP)."""
    _cli_actor()
    with force_locale("en"):
        try:
            ack = schedule.close_day(db.session)
        except Refusal as error:
            _refused(error)
    click.echo(f"closed (event {ack.seq})")


@market_cli.command("advance")
def advance():
    """Close the session if its close time has passed (run it every minute; pages do it too)."""
    _cli_actor()
    with force_locale("en"):
        closed = schedule.advance_due(db.session)
    click.echo("session closed" if closed else "nothing due")


@market_cli.command("load-balances")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_balances(path: Path):
    """Load incoming balances from a CSV or XLSX file: account code, asset, amount per row.
    One bad row refuses the whole file; nothing is loaded then."""
    _cli_actor()
    with force_locale("en"):
        try:
            rows = balances.parse_balances(db.session, balances.rows_from_file(path.name, path.read_bytes()))
            count = balances.load_balances(db.session, rows)
        except Refusal as error:
            _refused(error)
    click.echo(f"{count} balances loaded")


@market_cli.command("replay")
def replay_journal():
    """Fold the journal from event 1 and compare trades and positions with the tables byte for
    byte; exit 1 showing the first difference."""
    replay.consistent_read(db.session)
    head = surveillance.head(db.session)
    replayed = replay.replay_dump(replay.replay_journal(db.session, head))
    projected = replay.projection_dump(db.session)
    db.session.rollback()
    difference = replay.first_difference(replayed, projected)
    if difference is not None:
        click.echo(f"journal and tables differ at {difference}", err=True)
        sys.exit(1)
    click.echo(f"replay matches the tables: {len(replayed.splitlines())} lines, journal head {head}")


class TakeSnapshot:
    """A command that journals nothing: under the sequencer's lock, snapshot the market now."""

    def run(self, batch):
        if batch.market.seq:
            sequencer.write_snapshot(batch.session, batch.market, batch.at)
        return Ack(batch.market.seq)


@market_cli.command("snapshot")
def snapshot():
    """Write a snapshot of the whole market now, so a restart replays only what follows."""
    ack = sequencer.submit(db.session, [TakeSnapshot()], now())[0]
    click.echo(f"snapshot at event {ack.seq}" if ack.seq else "the journal is empty: no snapshot")
