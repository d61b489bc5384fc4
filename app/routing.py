"""URL converters: an `<int:…>` in a route is an id, so it routes only within an id's range."""
from werkzeug.routing import IntegerConverter

from app.db_types import ID_MAX


class IdConverter(IntegerConverter):
    """`<int:auction_id>`: 0…2³¹−1. A larger number matches no route (404) instead of reaching
    the database, where PostgreSQL refuses it and SQLite overflows above 2⁶³."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = ID_MAX,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_converters(app) -> None:
    """Before any blueprint: a rule takes its converters when it is added."""
    app.url_map.converters["int"] = IdConverter
