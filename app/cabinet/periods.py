"""The period every cabinet list and the statement are read for: whole Almaty calendar days,
`first` to `last` inclusive, at most three years; this month by default. One form (a GET: no
CSRF token) and one check for the pages and the API alike."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional

from app.domain.calendar import almaty_instant
from app.refusals import Refusal

MAX_YEARS = 3
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


class PeriodRefused(Refusal):
    """A period that cannot be read; `field` is date_from or date_to."""


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def starts_at(self) -> datetime:
        return almaty_instant(self.first, time())

    @property
    def ends_at(self) -> datetime:
        """The first instant after the period (midnight after `last`, Almaty)."""
        return almaty_instant(self.last + timedelta(days=1), time())


def default_period(today: date) -> Period:
    """From the first of the current month to today."""
    return Period(today.replace(day=1), today)


def check_period(first: date | None, last: date | None, today: date) -> Period:
    """The period asked for, either end defaulting (to: today; from: the first of to's month)."""
    last = last or today
    first = first or last.replace(day=1)
    for field, day in (("date_from", first), ("date_to", last)):
        if not FIRST_DAY <= day <= LAST_DAY:
            raise PeriodRefused(_l("Choose dates from %(first)s to %(last)s.", first=FIRST_DAY.isoformat(),
                                   last=LAST_DAY.isoformat()), field, "bad_period")
    if first > last:
        raise PeriodRefused(_l("The start of the period is after its end."), "date_from", "bad_period")
    if last >= _years_after(first, MAX_YEARS):
        raise PeriodRefused(_l("A period covers at most %(years)d years: choose a shorter one.",
                               years=MAX_YEARS), "date_to", "bad_period")
    return Period(first, last)


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:          # 29 February
        return day.replace(year=day.year + years, day=28)


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def period(self, today: date) -> Period | None:
        """The period, its defaults shown in the fields; None with the reason under its field."""
        try:
            if not self.validate():
                name = next(name for name in ("date_from", "date_to") if getattr(self, name).errors)
                raise PeriodRefused(getattr(self, name).errors[0], name, "bad_period")
            found = check_period(self.date_from.data, self.date_to.data, today)
        except PeriodRefused as error:
            field = getattr(self, error.field or "date_to")
            if str(error.message) not in [str(message) for message in field.errors]:
                field.errors = [*field.errors, str(error.message)]
            return None
        for field, day in ((self.date_from, found.first), (self.date_to, found.last)):
            field.data, field.raw_data = day, None
        return found
