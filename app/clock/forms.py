"""Forms of the sandbox clock page."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, SelectChoice, SelectField
from wtforms.validators import DataRequired, InputRequired

from app.clock.services import QUICK_SHIFTS


class SandboxTimeForm(FlaskForm):
    simulated_at = DateTimeLocalField(
        _l("Simulated date and time (Almaty)"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[InputRequired(message=_l("Enter the date and time, e.g. 2026-03-26 09:00."))],
    )
    frozen = BooleanField(_l("Stop the clock at this time"))


class QuickShiftForm(FlaskForm):
    shift = SelectField(choices=[SelectChoice(shift) for shift in QUICK_SHIFTS],
                        validators=[DataRequired(message=_l("Choose a quick move."))])
