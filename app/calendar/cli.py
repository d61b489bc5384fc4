"""`flask calendar …`: inspect and override the business calendar."""
from flask.cli import AppGroup

calendar_cli = AppGroup("calendar", help="The business calendar.")
