from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.auth.roles import OrganisationKind, Role
from app.main.navigation import ORGANISATION_KIND_LABELS, ROLE_LABELS

ANY = SelectChoice("", _l("Any"))
KIND_CHOICES = [SelectChoice(str(kind), ORGANISATION_KIND_LABELS[kind]) for kind in OrganisationKind]
ROLE_CHOICES = [SelectChoice(str(role), ROLE_LABELS[role]) for role in Role]
BIN_RULE = Regexp(r"^\d{12}$", message=_l("A BIN/IIN has exactly 12 digits."))


def yes_no(yes, no) -> list:
    return [ANY, SelectChoice("yes", yes), SelectChoice("no", no)]


def as_flag(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


class FilterForm(FlaskForm):
    """Read from the query string: a filter changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False


class OrganisationFilterForm(FilterForm):
    kind = SelectField(_l("Kind"), choices=[ANY, *KIND_CHOICES], validators=[Optional()])
    active = SelectField(_l("Status"), choices=yes_no(_l("Active"), _l("Inactive")), validators=[Optional()])

    def values(self) -> dict:
        return {"kind": self.kind.data or None, "active": as_flag(self.active.data)}


class UserFilterForm(FilterForm):
    role = SelectField(_l("Role"), choices=[ANY, *ROLE_CHOICES], validators=[Optional()])
    organisation = SelectField(_l("Organisation"), validators=[Optional()])
    enabled = SelectField(_l("Status"), choices=yes_no(_l("Enabled"), _l("Disabled")), validators=[Optional()])

    def values(self) -> dict:
        return {"role": self.role.data or None,
                "organisation_id": int(self.organisation.data) if self.organisation.data else None,
                "enabled": as_flag(self.enabled.data)}


class OrganisationCreateForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES, validators=[DataRequired()])
    bin = StringField(_l("BIN/IIN"), validators=[Optional(), BIN_RULE])
    is_primary_dealer = BooleanField(_l("Primary dealer"))
    parent_id = SelectField(_l("Member firm serving the client"), validators=[Optional()])


class OrganisationEditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    bin = StringField(_l("BIN/IIN"), validators=[Optional(), BIN_RULE])
    is_primary_dealer = BooleanField(_l("Primary dealer"))
    is_active = BooleanField(_l("Active"))


class UserCreateForm(FlaskForm):
    login = StringField(_l("Login"), validators=[DataRequired(), Length(max=64)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[DataRequired()])
    organisation_id = SelectField(_l("Organisation"), validators=[DataRequired()])
    new_password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=256)])
    new_password_again = PasswordField(_l("Initial password again"), validators=[DataRequired(), Length(max=256)])


class UserEditForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[DataRequired()])
    is_enabled = BooleanField(_l("Enabled"))


class PasswordResetForm(FlaskForm):
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])
    new_password_again = PasswordField(_l("New password again"), validators=[DataRequired(), Length(max=256)])


def organisation_choices(organisations, blank) -> list:
    return [SelectChoice("", blank)] + [SelectChoice(str(org.id), org.name) for org in organisations]
