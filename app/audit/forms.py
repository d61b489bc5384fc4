from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from app.audit.search import AuditCriteria

ANY = SelectChoice("", _l("Any"))


class AuditFilterForm(FlaskForm):
    """Read from the query string: a filter changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    date_from = DateField(_l("From (Almaty date)"), validators=[Optional()])
    date_to = DateField(_l("To (Almaty date)"), validators=[Optional()])
    actor = StringField(_l("Actor login"), validators=[Optional(), Length(max=64)])
    organisation = SelectField(_l("Organisation"), validators=[Optional()])
    object_type = SelectField(_l("Object type"), validators=[Optional()])
    object_id = StringField(_l("Object id"), validators=[Optional(), Length(max=64)])
    action = SelectField(_l("Action"), validators=[Optional()])
    request_id = StringField(_l("Request id"), validators=[Optional(), Length(max=64)])

    def set_choices(self, organisations: dict[int, str], object_types: list[str], actions: list[str]) -> None:
        by_name = sorted(organisations.items(), key=lambda item: item[1])
        self.organisation.choices = [ANY] + [SelectChoice(str(org_id), name) for org_id, name in by_name]
        self.object_type.choices = [ANY] + [SelectChoice(value) for value in object_types]
        self.action.choices = [ANY] + [SelectChoice(value) for value in actions]

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end of the period is before its start."))

    def criteria(self) -> AuditCriteria:
        return AuditCriteria(
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            actor_login=self.actor.data or None,
            organisation_id=int(self.organisation.data) if self.organisation.data else None,
            object_type=self.object_type.data or None,
            object_id=self.object_id.data or None,
            action=self.action.data or None,
            request_id=self.request_id.data or None,
        )
