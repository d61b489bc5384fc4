"""The Risks section's chart (app.domain.margin_chart): a daily series from the stored days and
an SVG drawn from it."""
import re
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree

from app.domain.margin_chart import HEIGHT, ChartText, DayFigures, daily_series, npr_chart

SVG = "{http://www.w3.org/2000/svg}"


def day(number: int, npr1: str, npr2: str) -> DayFigures:
    return DayFigures(date(2027, 3, number), Decimal(npr1), Decimal(npr2))


def test_a_quiet_day_carries_the_last_figures_on():
    rows = [day(2, "100", "200"), day(5, "-50", "40")]
    series = daily_series(rows, date(2027, 3, 1), date(2027, 3, 6))
    assert [(point.day.day, point.npr1) for point in series] == [
        (2, Decimal("100")), (3, Decimal("100")), (4, Decimal("100")), (5, Decimal("-50")), (6, Decimal("-50"))]


def test_a_row_before_the_window_starts_it():
    series = daily_series([day(1, "7", "9")], date(2027, 3, 3), date(2027, 3, 4))
    assert [(point.day.day, point.npr2) for point in series] == [(3, Decimal("9")), (4, Decimal("9"))]


def test_the_svg_has_both_lines_the_zero_line_and_escaped_labels():
    points = daily_series([day(1, "100", "300"), day(3, "-200", "50")], date(2027, 3, 1), date(2027, 3, 3))
    svg = npr_chart(points, ChartText("NPR1 & NPR2 <30 days>"), label=lambda value: f"{value} ₸", days=3)
    tree = ElementTree.fromstring(svg)        # well-formed XML, the title escaped
    assert tree.find(f"{SVG}title").text == "NPR1 & NPR2 <30 days>"
    lines = {item.get("class"): item.get("points") for item in tree.iter(f"{SVG}polyline")}
    assert set(lines) == {"chart-npr1", "chart-npr2"} and all(len(value.split()) == 3 for value in lines.values())
    heights = [float(pair.split(",")[1]) for pair in lines["chart-npr1"].split()]
    assert heights[2] > heights[0]            # −200 is drawn below 100 (SVG y grows downwards)
    zero = tree.find(f"{SVG}line[@class='chart-zero']")
    assert heights[0] < float(zero.get("y1")) < heights[2]
    labels = [item.text for item in tree.iter(f"{SVG}text")]
    assert "-200 ₸" in labels and "300 ₸" in labels and "01.03" in labels and "03.03" in labels
    assert not re.search(r"<script|style=", svg)


def test_no_figures_yet_says_so():
    svg = npr_chart([], ChartText("chart", empty="Nothing yet"))
    tree = ElementTree.fromstring(svg)
    assert [item.text for item in tree.iter(f"{SVG}text")] == ["Nothing yet"]
    assert tree.get("viewBox").endswith(str(HEIGHT))


def test_one_day_is_a_dot_per_line():
    tree = ElementTree.fromstring(npr_chart([day(4, "5", "5")], ChartText("chart")))
    assert len(list(tree.iter(f"{SVG}circle"))) == 2
