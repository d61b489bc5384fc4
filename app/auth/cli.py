"""`flask users …` and `flask orgs …`."""
from flask.cli import AppGroup

users_cli = AppGroup("users", help="Users of the desk.")
orgs_cli = AppGroup("orgs", help="Organisations.")
