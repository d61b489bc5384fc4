"""Forms of the exchange staff's market pages: the trading day, incoming balances, halts."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import DateField, HiddenField, StringField, TextAreaField, TimeField
from wtforms.validators import AnyOf, InputRequired, Length

REQUIRED = [InputRequired(message=_l("This field is required."))]


class OpenDayForm(FlaskForm):
    day = DateField(_l("Trading day"), validators=REQUIRED)
    opens = TimeField(_l("Opens at (Almaty)"), format="%H:%M", validators=REQUIRED)
    closes = TimeField(_l("Closes at (Almaty)"), format="%H:%M", validators=REQUIRED)


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""


class SettlementForm(FlaskForm):
    action = HiddenField(validators=[AnyOf(("retry", "cancel"))])


class HaltForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[*REQUIRED, Length(max=500)])


class BalancesForm(FlaskForm):
    text = TextAreaField(_l("Rows: account code, asset, amount"))
    file = FileField(_l("…or a CSV or XLSX file"),
                     validators=[FileAllowed(["csv", "txt", "xlsx"], _l("Send a .csv or .xlsx file."))])

    def has_input(self) -> bool:
        return bool((self.text.data or "").strip() or self.file.data)
