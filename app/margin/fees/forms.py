"""The risk staff's margin fee tariff entry."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField
from wtforms.validators import InputRequired

from app.margin.fees.services import TariffEntry
from app.margin.forms import EffectiveFrom


class TariffForm(EffectiveFrom, FlaskForm):
    money_rate = DecimalField(_l("On money debt, per cent a day"), places=None, validators=[InputRequired()])
    securities_rate = DecimalField(_l("On lent securities, per cent a day"), places=None, validators=[InputRequired()])

    def entry(self) -> TariffEntry:
        return TariffEntry(self.money_rate.data, self.securities_rate.data, self.moment())
