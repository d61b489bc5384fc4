"""`flask auctions …`: the auction day's timed steps for a scheduler."""
import click
from flask import g
from flask.cli import AppGroup

from app.audit.services import Actor
from app.auctions.results import advance_due
from app.clock.services import now
from app.extensions import db

auctions_cli = AppGroup("auctions", help="Specialized auctions.")


@auctions_cli.command("advance")
def advance():
    """Close every auction whose confirmation window has ended (pages do it too when opened)."""
    g.audit_actor = Actor(None, "cli", None, None)
    closed = advance_due(db.session, now())
    db.session.commit()
    for auction in closed:
        click.echo(f"{auction.number} {auction.status}")
    click.echo(f"{len(closed)} auctions closed")
