"""`flask auctions advance`, `flask subscriptions advance`: each kind's timed close for a
scheduler (the pages and the worker do it too)."""
import click
from flask import g
from flask.cli import AppGroup

from app.audit.services import Actor
from app.clock.services import now
from app.extensions import db


def advance_group(name: str, description: str, results, window: str) -> AppGroup:
    """A command group whose `advance` closes every offering whose `window` has ended."""
    group = AppGroup(name, help=description)

    @group.command("advance", help=f"Close every {name[:-1]} whose {window} has ended.")
    def advance():
        g.audit_actor = Actor(None, "cli", None, None)
        closed = results.advance_due(db.session, now())
        db.session.commit()
        for offering in closed:
            click.echo(f"{offering.number} {offering.status}")
        click.echo(f"{len(closed)} {name} closed")
    return group
