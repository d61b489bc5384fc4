"""`flask users …` and `flask orgs …`.

Each command that changes something commits once, with its audit rows written as the actor
"cli"; a refusal rolls back, prints the reason and exits 1. Messages are in English: there is
no request here to choose a language from.
"""
import functools

import click
from flask import g
from flask.cli import AppGroup
from flask_babel import force_locale

from app.admin import services
from app.audit.services import Actor
from app.auth.models import Organisation, User
from app.auth.roles import OrganisationKind, Role
from app.auth.services import IdentityError
from app.clock.services import wall_now
from app.extensions import db

users_cli = AppGroup("users", help="Users of the desk.")
orgs_cli = AppGroup("orgs", help="Organisations.")
CLI_ACTOR = Actor(None, "cli", None, None)


def changes_state(command):
    """Acts as the CLI actor; commits on success, rolls back and exits 1 on a refusal."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        g.audit_actor = CLI_ACTOR
        try:
            with force_locale("en"):
                click.echo(_commit_once(command, *args, **kwargs))
        finally:
            g.pop("audit_actor", None)

    return run


def _commit_once(command, *args, **kwargs) -> str:
    try:
        message = command(*args, **kwargs)
    except IdentityError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    db.session.commit()
    return message


def user_by_login(ctx, param, login: str) -> User:
    user = services.find_user(db.session, login)
    if user is None:
        raise click.BadParameter(f"there is no user with login {login!r}")
    return user


def organisation_by_name(ctx, param, name: str | None) -> Organisation | None:
    if name is None:
        return None
    org = services.find_organisation(db.session, name)
    if org is None:
        raise click.BadParameter(f"there is no organisation named {name!r} (see `flask orgs list`)")
    return org


# --- organisations -------------------------------------------------------------------------

@orgs_cli.command("create")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice([kind.value for kind in OrganisationKind]))
@click.option("--bin", "bin_", metavar="DIGITS", help="BIN or IIN, 12 digits.")
@click.option("--primary-dealer", is_flag=True, help="Member firms only.")
@click.option("--parent", metavar="NAME", callback=organisation_by_name,
              help="Clients only: the member firm that serves the client.")
@changes_state
def create_organisation(name: str, kind: str, bin_: str | None, primary_dealer: bool, parent: Organisation | None):
    """Create an organisation."""
    org = services.add_organisation(db.session, wall_now(), name, OrganisationKind(kind), bin_,
                                    primary_dealer, parent)
    return f"created organisation {org.id}: {org.name}"


@orgs_cli.command("list")
def list_organisations():
    """Print id, kind, BIN, flags and name of every organisation."""
    for org in services.organisations(db.session):
        flags = ",".join(flag for flag, on in (("primary_dealer", org.is_primary_dealer),
                                               ("inactive", not org.is_active)) if on) or "-"
        parent = f" (client of {org.parent.name})" if org.parent else ""
        click.echo(f"{org.id}\t{org.kind}\t{org.bin or '-'}\t{flags}\t{org.name}{parent}")


# --- users ---------------------------------------------------------------------------------

@users_cli.command("create")
@click.argument("login")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--org", "org", required=True, metavar="NAME", callback=organisation_by_name,
              help="The organisation's exact name.")
@click.option("--name", "full_name", required=True, help="Full name.")
@click.option("--email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked twice, hidden, when not given.")
@changes_state
def create_user(login: str, role: str, org: Organisation, full_name: str, email: str | None, password: str):
    """Create a user."""
    user = services.add_user(db.session, wall_now(), login, full_name, Role(role), org, password, password, email)
    return f"created user {user.login} ({user.role}, {org.name})"


@users_cli.command("list")
def list_users():
    """Print login, role, status, organisation and full name of every user."""
    for user in db.session.scalars(db.select(User).order_by(User.login)):
        status = "enabled" if user.is_enabled else "disabled"
        click.echo(f"{user.login}\t{user.role}\t{status}\t{user.organisation.name}\t{user.full_name}")


@users_cli.command("disable")
@click.argument("user", metavar="LOGIN", callback=user_by_login)
@changes_state
def disable_user(user: User):
    """Disable a user; their sessions end at once."""
    if not user.is_enabled:
        return f"user {user.login} is already disabled"
    services.set_enabled(db.session, user, wall_now(), False)
    return f"disabled user {user.login}; their sessions have ended"


@users_cli.command("enable")
@click.argument("user", metavar="LOGIN", callback=user_by_login)
@changes_state
def enable_user(user: User):
    """Enable a disabled user."""
    if user.is_enabled:
        return f"user {user.login} is already enabled"
    services.set_enabled(db.session, user, wall_now(), True)
    return f"enabled user {user.login}"


@users_cli.command("set-password")
@click.argument("user", metavar="LOGIN", callback=user_by_login)
@click.password_option("--password", help="Asked twice, hidden, when not given.")
@changes_state
def set_password(user: User, password: str):
    """Set a user's password; every session of the user ends."""
    services.reset_password(db.session, user, wall_now(), password, password)
    return f"password of {user.login} set; their sessions have ended"
