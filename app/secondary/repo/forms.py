"""Forms of the repo pages. They check only the shape of the input; the repo rules (standard
terms, 1–90 days, discount range, cover, the closing date a business day) are the market's,
whose refusals land on these fields by name."""
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, HiddenField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from app.domain.repo import REPO_TERMS
from app.secondary.trading.forms import REQUIRED, to_id

REPO_SIDE_LABELS = {"borrow": _l("Borrow money (deliver securities now)"),
                    "lend": _l("Lend money (receive securities now)")}
REPO_ROLE_LABELS = {"buyer": _l("borrower"), "seller": _l("lender")}
KIND_LABELS = {"auto": _l("automatic"), "direct": _l("direct")}


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(key, label) for key, label in labels.items()]


class RepoOrderForm(FlaskForm):
    """An automatic repo order: traded on the rate, for a standard term."""
    idempotency_key = HiddenField()
    instrument_id = SelectField(_l("Instrument"), choices=[], coerce=to_id, validate_choice=False)
    # Not checked against the list here: an odd term gets the market's own refusal.
    days = SelectField(_l("Term, days"), choices=[SelectChoice(str(days), str(days)) for days in REPO_TERMS],
                       coerce=to_id, validate_choice=False)
    side = SelectField(_l("We"), choices=_choices(REPO_SIDE_LABELS))
    rate = DecimalField(_l("Rate, % a year"), places=None, validators=REQUIRED)
    lots = IntegerField(_l("Lots"), validators=REQUIRED)
    account_id = SelectField(_l("Account"), choices=[], coerce=to_id, validate_choice=False)
    client_code = StringField(_l("Client code"), validators=[Length(max=30)])


class DirectRepoForm(FlaskForm):
    """A direct repo offer to one member firm: agreed rate, term (1–90 days) and discount."""
    counterparty_id = SelectField(_l("Counterparty"), choices=[], coerce=to_id, validate_choice=False)
    instrument_id = SelectField(_l("Instrument"), choices=[], coerce=to_id, validate_choice=False)
    days = IntegerField(_l("Term, days"), validators=REQUIRED)
    side = SelectField(_l("We"), choices=_choices(REPO_SIDE_LABELS))
    rate = DecimalField(_l("Rate, % a year"), places=None, validators=REQUIRED)
    discount_percent = DecimalField(_l("Discount, %"), places=None, validators=REQUIRED)
    lots = IntegerField(_l("Lots"), validators=REQUIRED)
    account_id = SelectField(_l("Our account"), choices=[], coerce=to_id, validate_choice=False)
    client_code = StringField(_l("Client code"), validators=[Length(max=30)])

    def validate_discount_percent(self, field) -> None:
        if not 0 <= field.data < 100:
            raise ValidationError(_l("A discount is from 0 to below 100 %."))

    @property
    def discount(self) -> Decimal | None:
        """Disc as the market takes it: a fraction."""
        return None if self.discount_percent.data is None else self.discount_percent.data / 100


class RepoFilterForm(FlaskForm):
    class Meta:
        csrf = False

    state = SelectField(_l("Repos"), choices=[SelectChoice("open", _l("open")), SelectChoice("all", _l("all"))],
                        validators=[Optional()])
