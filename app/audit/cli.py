"""`flask audit verify`."""
import sys

import click
from flask.cli import AppGroup

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
    click.echo(f"audit chain broken at row {report.broken_id}: {report.reason} "
               f"({report.checked} rows before it are intact)", err=True)
    sys.exit(1)
