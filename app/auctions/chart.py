"""The demand curve as SVG geometry: cumulative volume (best price first) against price or yield,
with the declared volume drawn in. Server-rendered, so it needs no script and no CDN."""
import math
from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 36, 16, 40


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    path: str                     # the step curve
    dots: list[tuple[float, float, str]]
    plan_y: float | None          # the declared volume line
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    x_label: str
    plot: tuple[int, int, int, int]


def demand_chart(points: list[tuple[Decimal, int]], declared: int, x_label: str) -> Chart | None:
    """`points` are (price or yield, cumulative quantity) best first; None when there is nothing."""
    points = [(float(x), quantity) for x, quantity in points if x is not None]
    if not points:
        return None
    xs = [x for x, _ in points]
    low, high = min(xs), max(xs)
    span = (high - low) or 1.0
    step = _nice_step(max(max(quantity for _, quantity in points), declared) * 1.05 / 4)
    top = step * 4

    def sx(x: float) -> float:
        return round(LEFT + (x - low) / span * (WIDTH - LEFT - RIGHT), 1)

    def sy(quantity: float) -> float:
        return round(HEIGHT - BOTTOM - quantity / top * (HEIGHT - TOP - BOTTOM), 1)

    path = _step_path([(sx(x), sy(quantity)) for x, quantity in points], sy(0))
    return Chart(
        width=WIDTH, height=HEIGHT, path=path,
        dots=[(sx(x), sy(quantity), f"{x:.4f}: {quantity:,}".replace(",", " ")) for x, quantity in points],
        plan_y=sy(declared) if declared else None,
        x_ticks=[Tick(sx(low + span * step / 4), f"{low + span * step / 4:.4f}") for step in range(5)],
        y_ticks=[Tick(sy(step * n), _short(step * n)) for n in range(5)],
        x_label=x_label, plot=(LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM),
    )


def _step_path(points: list[tuple[float, float]], baseline: float) -> str:
    """Demand accumulates as the price worsens: a staircase from the best level on."""
    x0, _ = points[0]
    parts = [f"M{x0},{baseline}"]
    previous_y = baseline
    for x, y in points:
        parts.append(f"L{x},{previous_y}")
        parts.append(f"L{x},{y}")
        previous_y = y
    return " ".join(parts)


def _nice_step(raw: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at least `raw`: round numbers on the volume axis."""
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(power * factor for factor in (1, 2, 2.5, 5, 10) if power * factor >= raw)


def _short(value: float) -> str:
    for limit, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if value >= limit:
            return f"{value / limit:g}{suffix}"
    return f"{value:.0f}"
