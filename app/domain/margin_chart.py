"""The Risks section's chart of NPR1 and NPR2 over the last days (issue 13, item 2), pure: the
daily series from the stored day rows, and the chart as inline SVG text — drawn on the server,
no script. Colours come from the desk's stylesheet through the classes (the page's CSP allows no
inline style); the lines carry stroke attributes too, so the chart reads without it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from html import escape

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 96, 12, 14, 40      # room for the value labels and the dates
LINES = (("npr1", "#2f6fb3"), ("npr2", "#b3261e"))


@dataclass(frozen=True)
class DayFigures:
    day: date
    npr1: Decimal
    npr2: Decimal


def daily_series(rows: Iterable[DayFigures], first: date, last: date) -> list[DayFigures]:
    """One point per day from `first` to `last`: the day's row, else the last row before it
    (a day the client's figures did not move); no point before the first row at all."""
    ordered = sorted(rows, key=lambda row: row.day)
    series, current, index = [], None, 0
    day = first
    while day <= last:
        while index < len(ordered) and ordered[index].day <= day:
            current, index = ordered[index], index + 1
        if current is not None:
            series.append(DayFigures(day, current.npr1, current.npr2))
        day += timedelta(days=1)
    return series


@dataclass(frozen=True)
class ChartText:
    """The words on the chart, in the reader's language."""
    title: str
    npr1: str = "NPR1"
    npr2: str = "NPR2"
    empty: str = ""


def npr_chart(points: Sequence[DayFigures], text: ChartText,
              label: Callable[[Decimal], str] = str, days: int = 30) -> str:
    """An SVG of NPR1 and NPR2 by day over `days` days ending with the last point; the zero line
    drawn; the lowest and highest values and the first and last dates labelled."""
    if not points:
        return _svg(text, f'<text class="chart-empty" x="{WIDTH // 2}" y="{HEIGHT // 2}" '
                          f'text-anchor="middle">{escape(text.empty)}</text>')
    last = points[-1].day
    first = last - timedelta(days=days - 1)
    shown = [point for point in points if point.day >= first]
    values = [value for point in shown for value in (point.npr1, point.npr2)] + [Decimal(0)]
    low, high = min(values), max(values)
    if low == high:
        low, high = low - 1, high + 1
    x = _scale(0, days - 1, LEFT, WIDTH - RIGHT)
    y = _scale(low, high, HEIGHT - BOTTOM, TOP)
    where = {point.day: (point.day - first).days for point in shown}
    parts = [_zero_line(y(0)), *_value_labels(low, high, y, label), *_date_labels(first, last, x)]
    for name, colour in LINES:
        coordinates = " ".join(f"{x(where[point.day]):.1f},{y(getattr(point, name)):.1f}" for point in shown)
        parts.append(f'<polyline class="chart-{name}" fill="none" stroke="{colour}" stroke-width="2" '
                     f'points="{coordinates}"/>')
        # A dot per day: a single day's figures are still seen, and each day can be told apart.
        parts.extend(f'<circle class="chart-{name}" cx="{x(where[point.day]):.1f}" '
                     f'cy="{y(getattr(point, name)):.1f}" r="2.5" fill="{colour}"/>' for point in shown)
    parts.append(_legend(text))
    return _svg(text, "".join(parts))


def _scale(low, high, start: float, end: float) -> Callable[[object], float]:
    # Screen coordinates, not money: the figures themselves stay Decimal and are labelled exactly.
    span = float(high - low)
    return lambda value: start + (float(value) - float(low)) / span * (end - start)


def _svg(text: ChartText, body: str) -> str:
    title = escape(text.title)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="npr-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'width="100%" role="img" aria-label="{title}"><title>{title}</title>{body}</svg>')


def _zero_line(at: float) -> str:
    return (f'<line class="chart-zero" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{at:.1f}" y2="{at:.1f}" '
            f'stroke="#6b7685" stroke-dasharray="4 3"/>')


def _value_labels(low: Decimal, high: Decimal, y, label) -> list[str]:
    marks = sorted({low, Decimal(0), high})
    return [f'<text class="chart-label" x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" '
            f'font-size="11">{escape(label(value))}</text>' for value in marks]


def _date_labels(first: date, last: date, x) -> list[str]:
    bottom = HEIGHT - BOTTOM + 16
    return [f'<text class="chart-label" x="{x(0):.1f}" y="{bottom}" font-size="11">{first:%d.%m}</text>',
            f'<text class="chart-label" x="{x((last - first).days):.1f}" y="{bottom}" text-anchor="end" '
            f'font-size="11">{last:%d.%m}</text>']


def _legend(text: ChartText) -> str:
    y = HEIGHT - 8
    items = []
    for offset, (name, colour) in zip((LEFT, LEFT + 120), LINES):
        items.append(f'<line x1="{offset}" x2="{offset + 18}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" '
                     f'stroke-width="2"/><text class="chart-label" x="{offset + 24}" y="{y}" font-size="11">'
                     f'{escape(getattr(text, name))}</text>')
    return "".join(items)
