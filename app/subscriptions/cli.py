"""`flask subscriptions …`: the timed steps of subscriptions for a scheduler."""
import click
from flask import g
from flask.cli import AppGroup

from app.audit.services import Actor
from app.clock.services import now
from app.extensions import db
from app.subscriptions.results import advance_due

subscriptions_cli = AppGroup("subscriptions", help="Subscriptions and public offerings.")


@subscriptions_cli.command("advance")
def advance():
    """Close every subscription whose bid period has ended (pages do it too when opened)."""
    g.audit_actor = Actor(None, "cli", None, None)
    closed = advance_due(db.session, now())
    db.session.commit()
    for subscription in closed:
        click.echo(f"{subscription.number} {subscription.status}")
    click.echo(f"{len(closed)} subscriptions closed")
