"""Form pieces both kinds of offering use: the state-change button, the fields every sealed bid
has, and select choices read from a label mapping. The services check the rules; forms check
the shapes."""
import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, HiddenField, IntegerField, SelectChoice, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from app.placement.vocabulary import custodian_choices

REQUIRED = [InputRequired(message=_l("This field is required."))]


def choices(mapping: dict, keys=None) -> list[SelectChoice]:
    """A select's choices in the mapping's order, only `keys` when given."""
    return [SelectChoice(key, label) for key, label in mapping.items() if keys is None or key in keys]


class ActionForm(FlaskForm):
    """A button that changes state: CSRF only."""


class PlacementBidForm(FlaskForm):
    """What every bid form has; each kind of offering adds its own fields and its `entry()`."""

    idempotency_key = HiddenField()
    kind = SelectField(_l("Bid"), choices=[SelectChoice("limit", _l("Limit")), SelectChoice("market", _l("Market"))])
    price = DecimalField(_l("Price"), places=None, validators=[Optional()])
    quantity = IntegerField(_l("Quantity, securities"), validators=REQUIRED + [NumberRange(min=1)])
    custodian_id = SelectField(_l("Account"), choices=[])  # the custodians are read per request

    @classmethod
    def posted(cls, session) -> "PlacementBidForm":
        """The form as sent, with the custodians it may name."""
        return cls()._listing(session)

    @classmethod
    def blank(cls, session) -> "PlacementBidForm":
        """A new bid's form under a fresh key: the same form sent twice stores one bid."""
        return cls(formdata=None, idempotency_key=uuid.uuid4().hex)._listing(session)

    def _listing(self, session) -> "PlacementBidForm":
        self.custodian_id.choices = custodian_choices(session)
        return self

    def custodian(self) -> int | None:
        """The custodian whose account the bid is on; None for the firm's own account."""
        return int(self.custodian_id.data) if (self.custodian_id.data or "").isdigit() else None
