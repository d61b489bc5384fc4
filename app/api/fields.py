"""Fields shared by every JSON API schema.

Conventions for money, for every feature's API:

- Money, prices, yields and rates travel as decimal strings ("1000000.00", "99.8734"), never
  as JSON numbers: a binary float cannot hold most decimal fractions exactly, and a dealer's
  system must get back exactly the amount the desk stored. A JSON number in such a field is
  refused with a message that says so.
- `DecimalString(places=2)` for tenge amounts; prices and yields with the number of places the
  SPEC gives them. Input with more places than allowed is refused, never rounded: a silently
  rounded bid price would be a different bid. Output is quantised to `places`.
- Quantities of securities are whole numbers and travel as JSON integers.
- Every integer is bounded to the range of the column it ends in: `BoundedInteger` (ids and small
  counts, an INTEGER column: ±2³¹) unless given `maximum=BIGINT_MAX` (quantities, BIGINT). A
  number beyond it is a 422 naming the field, never a database error.
- Times are ISO 8601 with an offset (`AwareDateTime`): input without an offset is refused;
  the desk stores UTC and answers in Almaty time (+05:00).
"""
import re
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate

from app.db_types import ID_MAX
from app.domain.calendar import ALMATY

MAX_WHOLE_DIGITS = 20
MAX_FRACTION_DIGITS = 12     # an unbounded fraction ("places=None") still has an end


class Localised:
    """Mixin: messages may be lazy msgids; they are rendered in the caller's language when raised.

    (marshmallow keeps a non-`str` message as it is, which would break the list of messages.)
    """

    def make_error(self, key: str, **kwargs) -> ValidationError:
        message = self.error_messages[key]
        if isinstance(message, str):
            return super().make_error(key, **kwargs)
        return ValidationError(str(message))


class BoundedInteger(Localised, fields.Integer):
    """A JSON integer within its column's range (a Range validator, so the document shows it)."""

    default_error_messages = {"invalid": _l("Send a whole number.")}

    def __init__(self, *, maximum: int = ID_MAX, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators.append(validate.Range(
            min=-maximum - 1, max=maximum, error=_l("Give a whole number from {min} to {max}.")))


class DecimalString(Localised, fields.Decimal):
    """A decimal carried as a JSON string; OpenAPI: type string, format decimal, with a pattern."""

    default_error_messages = {
        "invalid": _l("Not a decimal number."),
        "special": _l("Not a decimal number."),
    }

    def __init__(self, places: int | None = None, *, signed: bool = False, **kwargs) -> None:
        self.max_places = places
        self.signed = signed
        self.pattern = decimal_pattern(places, signed)
        self.example = decimal_example(places)
        metadata = {"type": "string", "format": "decimal", "pattern": self.pattern,
                    "example": self.example, **kwargs.pop("metadata", {})}
        super().__init__(places=places, as_string=True, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        if not isinstance(value, str):
            raise ValidationError(_(
                'Send this amount as a decimal string in quotes, e.g. "%(example)s", not as a number.',
                example=self.example))
        if not re.fullmatch(self.pattern, value):
            raise ValidationError(self.format_hint())
        return Decimal(value)

    def format_hint(self) -> str:
        if self.max_places == 0:
            return _('Not a valid amount: use digits only, e.g. "%(example)s".', example=self.example)
        if self.max_places is not None:
            return _('Not a valid amount: use digits and a dot with at most %(places)s decimal places, '
                     'e.g. "%(example)s".', places=self.max_places, example=self.example)
        return _('Not a valid amount: use digits and a dot, e.g. "%(example)s".', example=self.example)


def decimal_example(places: int | None) -> str:
    if places == 0:
        return "1000000"
    return "1000000." + "0" * (places or 2)


def decimal_pattern(places: int | None, signed: bool = False) -> str:
    """The regular expression an accepted decimal string matches in full (also put in the spec)."""
    sign = "-?" if signed else ""
    whole = f"[0-9]{{1,{MAX_WHOLE_DIGITS}}}"
    if places == 0:
        return f"^{sign}{whole}$"
    fraction = f"[0-9]{{1,{places or MAX_FRACTION_DIGITS}}}"
    return f"^{sign}{whole}(\\.{fraction})?$"


class AwareDateTime(Localised, fields.AwareDateTime):
    """ISO 8601 with an offset. Input without an offset is refused; output is in Almaty time."""

    default_error_messages = {
        "invalid": _l("Not a valid date and time: use ISO 8601 with an offset, e.g. 2026-12-31T18:00:00+05:00."),
        "invalid_awareness": _l("Give the time with its offset, e.g. 2026-12-31T18:00:00+05:00."),
        "format": _l("Not a valid date and time."),
    }

    def __init__(self, **kwargs) -> None:
        metadata = {"example": "2026-12-31T18:00:00+05:00", **kwargs.pop("metadata", {})}
        super().__init__(format="iso", metadata=metadata, **kwargs)

    def _serialize(self, value: datetime | None, attr, obj, **kwargs) -> str | None:
        if value is None:
            return None
        return super()._serialize(value.astimezone(ALMATY), attr, obj, **kwargs)
