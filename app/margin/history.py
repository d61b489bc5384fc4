"""A client's NPR1 and NPR2 over the last days (issue 13, item 2): the day rows the monitoring
keeps, one point per day (a quiet day carries the previous one on), today's point the live
figures, drawn as server-side SVG in the reader's language."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from app.brokerage.models import BrokerClient
from app.domain import margin
from app.domain.calendar import almaty_date
from app.domain.margin_chart import ChartText, DayFigures, daily_series, npr_chart
from app.formatting import money
from app.margin.models import MarginDay

CHART_DAYS = 30


def days_of(session, client: BrokerClient, at: datetime, live: margin.Figures | None = None,
            days: int = CHART_DAYS) -> list[DayFigures]:
    """One point per day of the last `days` days from the stored rows and the last row before
    them; `live`, when given, is today's point."""
    last = almaty_date(at)
    first = last - timedelta(days=days - 1)
    rows = list(session.scalars(select(MarginDay).where(MarginDay.client_id == client.id, MarginDay.day >= first,
                                                        MarginDay.day <= last)))
    before = session.scalar(select(MarginDay).where(MarginDay.client_id == client.id, MarginDay.day < first)
                            .order_by(MarginDay.day.desc()).limit(1))
    stored = [DayFigures(row.day, row.npr1, row.npr2) for row in ([before] if before else []) + rows
              if live is None or row.day != last]
    if live is not None:
        stored.append(DayFigures(last, live.npr1, live.npr2))
    return daily_series(stored, first, last)


def chart(points: list[DayFigures], days: int = CHART_DAYS) -> Markup:
    """The SVG; its text is escaped where it is built."""
    text = ChartText(title=_("NPR1 and NPR2 over the last %(days)s days", days=days),
                     empty=_("No figures stored yet: they appear once your broker's monitoring has evaluated them."))
    return Markup(npr_chart(points, text, label=money, days=days))
