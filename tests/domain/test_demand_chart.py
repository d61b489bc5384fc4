"""The demand curve's geometry: a staircase from the best level, inside the plot, round ticks."""
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from app.domain.demand_chart import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, demand_chart


def test_nothing_to_draw_without_a_level():
    assert demand_chart([], 100, "price") is None
    assert demand_chart([(None, 10)], 100, "yield") is None


def test_a_staircase_from_the_best_level_with_the_declared_volume():
    chart = demand_chart([(Decimal("99.5"), 400), (Decimal("99.0"), 1000)], 800, "price")
    assert chart.path.startswith(f"M{chart.dots[0][0]},{HEIGHT - BOTTOM}")
    assert chart.path.count("L") == 4
    assert [label for *_, label in chart.dots] == ["99.5000: 400", "99.0000: 1 000"]
    assert TOP <= chart.plan_y <= HEIGHT - BOTTOM
    assert [tick.label for tick in chart.y_ticks] == ["0", "500", "1k", "1.5k", "2k"]


@given(st.lists(st.tuples(st.decimals("50", "150", places=4), st.integers(1, 10 ** 9)), min_size=1, max_size=30),
       st.integers(0, 10 ** 9))
def test_every_point_lies_in_the_plot(points, declared):
    chart = demand_chart(points, declared, "price")
    for x, y, _label in chart.dots:
        assert LEFT <= x <= WIDTH - RIGHT and TOP <= y <= HEIGHT - BOTTOM
    assert chart.y_ticks[-1].position <= chart.y_ticks[0].position
