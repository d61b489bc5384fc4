"""`flask audit verify` and `flask audit tail`."""
import sys

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from app.audit.search import tail as last_events
from app.audit.services import verify_chain
from app.extensions import db

audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
def verify():
    """Check the hash chain; exit 1 naming the first broken row."""
    report = verify_chain(db.session)
    if report.intact:
        click.echo(f"audit chain intact: {report.checked} rows")
        return
    with force_locale("en"):  # operators' console: one language, whatever the desk's default
        click.echo(f"audit chain broken at row {report.location}: {report.reason} "
                   f"({report.checked} rows before it are intact)", err=True)
    sys.exit(1)


@audit_cli.command("tail")
@click.option("-n", "count", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many of the newest rows to print.")
def tail(count: int):
    """Print the newest rows, oldest first: id, time (UTC), actor, role, action, object, request id."""
    for event in last_events(db.session, count):
        target = event.object_type if event.object_id is None else f"{event.object_type}:{event.object_id}"
        click.echo("\t".join((
            str(event.id), event.occurred_at.isoformat(timespec="seconds"), event.actor_login,
            event.actor_role or "-", event.action, target, event.request_id or "-",
        )))
