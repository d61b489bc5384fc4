"""Forms of the calendar page."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from app.calendar.services import NOTE_LENGTH, OVERRIDE_KIND_LABELS


class OverrideForm(FlaskForm):
    day = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date."))])
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(kind.value, label) for kind, label in OVERRIDE_KIND_LABELS.items()],
        validators=[DataRequired(message=_l("Choose the kind of override."))],
    )
    note = StringField(_l("Note"), validators=[
        Length(max=NOTE_LENGTH, message=_l("The note is too long: at most %(max)d characters.")),
    ])

