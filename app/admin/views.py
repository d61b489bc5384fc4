"""Administrators manage organisations and users.

Every refusal lands on its form field (or in a flash message) and the transaction is rolled
back, so nothing is half-written; each change commits once, with its audit row.
"""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from app.admin import services
from app.admin.forms import (OrganisationCreateForm, OrganisationEditForm, OrganisationFilterForm,
                             PasswordResetForm, UserCreateForm, UserEditForm, UserFilterForm,
                             organisation_choices)
from app.auth.access import roles_required
from app.auth.models import Organisation, User
from app.auth.roles import ROLE_ORGANISATION_KINDS, OrganisationKind, Role
from app.auth.services import IdentityError
from app.clock.services import wall_now
from app.extensions import db
from app.main.navigation import ROLE_LABELS

bp = Blueprint("admin", __name__, url_prefix="/admin")
REFUSED = 400


def refuse(form, error: IdentityError) -> None:
    """Roll back whatever was flushed; show the reason on its field, else as a flash message."""
    db.session.rollback()
    target = form._fields.get(error.field) if error.field else None
    if target is None:
        flash(error.message, "error")
    else:
        target.errors = [*target.errors, error.message]


def get_or_404(model, object_id: int):
    return db.session.get(model, object_id) or abort(404)


def role_choices(org: Organisation) -> list:
    """Only the roles an organisation of this kind may hold."""
    return [SelectChoice(str(role), ROLE_LABELS[role]) for role, kind in ROLE_ORGANISATION_KINDS.items()
            if kind == org.kind]


def org_from_choice(value: str | None) -> Organisation | None:
    return db.session.get(Organisation, int(value)) if value else None


# --- organisations -------------------------------------------------------------------------

@bp.route("/organisations", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def organisations():
    filters = OrganisationFilterForm(formdata=request.args)
    form = OrganisationCreateForm()
    form.parent_id.choices = organisation_choices(services.member_firms(db.session), _l("None"))
    if form.validate_on_submit():
        try:
            org = services.add_organisation(
                db.session, wall_now(), form.name.data, OrganisationKind(form.kind.data), form.bin.data,
                form.is_primary_dealer.data, org_from_choice(form.parent_id.data))
        except IdentityError as error:
            refuse(form, error)
        else:
            flash(_("Organisation “%(name)s” created.", name=org.name), "success")
            return redirect(url_for("admin.organisations"))
    rows = services.organisations(db.session, **filters.values()) if filters.validate() else []
    return render_template("admin/organisations.html", filters=filters, form=form, organisations=rows,
                           user_counts=services.user_counts(db.session)), REFUSED if form.is_submitted() else 200


@bp.route("/organisations/<int:org_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def organisation(org_id: int):
    org = get_or_404(Organisation, org_id)
    form = OrganisationEditForm(obj=org)
    if org.kind != OrganisationKind.MEMBER_FIRM:
        del form.is_primary_dealer  # only a member firm can be one: the flag is not offered
    if form.validate_on_submit():
        try:
            services.edit_organisation(db.session, org, current_user, wall_now(), form.name.data, form.bin.data,
                                       form.data.get("is_primary_dealer", False), form.is_active.data)
        except IdentityError as error:
            refuse(form, error)
        else:
            flash(_("Organisation “%(name)s” saved.", name=org.name), "success")
            return redirect(url_for("admin.organisation", org_id=org.id))
    return render_template("admin/organisation.html", org=org, form=form), REFUSED if form.is_submitted() else 200


# --- users ---------------------------------------------------------------------------------

@bp.route("/users", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def users():
    everyone = services.organisations(db.session)
    filters = UserFilterForm(formdata=request.args)
    filters.organisation.choices = organisation_choices(everyone, _l("Any"))
    form = UserCreateForm()
    form.organisation_id.choices = organisation_choices([org for org in everyone if org.is_active], "—")
    if form.validate_on_submit():
        try:
            user = services.add_user(
                db.session, wall_now(), form.login.data, form.full_name.data, Role(form.role.data),
                org_from_choice(form.organisation_id.data), form.new_password.data, form.new_password_again.data,
                form.email.data)
        except IdentityError as error:
            refuse(form, error)
        else:
            flash(_("User %(login)s created.", login=user.login), "success")
            return redirect(url_for("admin.users"))
    rows = services.users(db.session, wall_now(), *session_limits(), **filters.values()) if filters.validate() else []
    return render_template("admin/users.html", filters=filters, form=form, rows=rows), \
        REFUSED if form.is_submitted() else 200


def session_limits() -> tuple:
    return current_app.config["SESSION_IDLE_TIMEOUT"], current_app.config["PERMANENT_SESSION_LIFETIME"]


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user(user_id: int):
    target = get_or_404(User, user_id)
    form = UserEditForm(obj=target)
    form.role.choices = role_choices(target.organisation)
    if form.validate_on_submit():
        try:
            services.edit_user(db.session, target, current_user, wall_now(), form.full_name.data, form.email.data,
                               Role(form.role.data), form.is_enabled.data)
        except IdentityError as error:
            refuse(form, error)
        else:
            flash(_("User %(login)s saved.", login=target.login), "success")
            return redirect(url_for("admin.user", user_id=target.id))
    return render_user(target, form, PasswordResetForm(formdata=None))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles_required(Role.ADMIN)
def reset_password(user_id: int):
    target = get_or_404(User, user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            services.reset_password(db.session, target, wall_now(), form.new_password.data,
                                    form.new_password_again.data)
        except IdentityError as error:
            refuse(form, error)
        else:
            flash(_("Password of %(login)s reset; all their sessions have ended.", login=target.login), "success")
            return redirect(url_for("admin.user", user_id=target.id))
    edit_form = UserEditForm(formdata=None, obj=target)
    edit_form.role.choices = role_choices(target.organisation)
    return render_user(target, edit_form, form)


def render_user(target: User, form: UserEditForm, password_form: PasswordResetForm):
    row = services.user_row(db.session, target, wall_now(), *session_limits())
    status = REFUSED if request.method == "POST" else 200
    return render_template("admin/user.html", row=row, form=form, password_form=password_form), status
