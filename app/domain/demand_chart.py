"""The demand curve as SVG geometry: cumulative volume (best price first) against price or yield,
with the declared volume drawn in. Server-rendered, so it needs no script and no CDN."""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 36, 16, 40
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Tick:
    position: Decimal
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    path: str                     # the step curve
    dots: list[tuple[Decimal, Decimal, str]]
    plan_y: Decimal | None        # the declared volume line
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    x_label: str
    plot: tuple[int, int, int, int]


def demand_chart(points: list[tuple[Decimal, int]], declared: int, x_label: str) -> Chart | None:
    """`points` are (price or yield, cumulative quantity) best first; None when there is nothing.
    Coordinates are Decimals rounded to 0.1 of a pixel, like every other figure of the desk."""
    points = [(x, quantity) for x, quantity in points if x is not None]
    if not points:
        return None
    xs = [x for x, _ in points]
    low, high = min(xs), max(xs)
    span = (high - low) or Decimal(1)
    step = _nice_step(Decimal(max(max(quantity for _, quantity in points), declared)) * Decimal("1.05") / 4)
    top = step * 4

    def sx(x: Decimal) -> Decimal:
        return _pixel(LEFT + (x - low) / span * (WIDTH - LEFT - RIGHT))

    def sy(quantity) -> Decimal:
        return _pixel(HEIGHT - BOTTOM - quantity / top * (HEIGHT - TOP - BOTTOM))

    path = _step_path([(sx(x), sy(quantity)) for x, quantity in points], sy(0))
    return Chart(
        width=WIDTH, height=HEIGHT, path=path,
        dots=[(sx(x), sy(quantity), f"{x:.4f}: {quantity:,}".replace(",", " ")) for x, quantity in points],
        plan_y=sy(declared) if declared else None,
        x_ticks=[Tick(sx(low + span * n / 4), f"{low + span * n / 4:.4f}") for n in range(5)],
        y_ticks=[Tick(sy(step * n), _short(step * n)) for n in range(5)],
        x_label=x_label, plot=(LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM),
    )


def _pixel(value: Decimal) -> Decimal:
    return value.quantize(TENTH, ROUND_HALF_UP)


def _step_path(points: list[tuple[Decimal, Decimal]], baseline: Decimal) -> str:
    """Demand accumulates as the price worsens: a staircase from the best level on."""
    x0, _ = points[0]
    parts = [f"M{x0},{baseline}"]
    previous_y = baseline
    for x, y in points:
        parts.append(f"L{x},{previous_y}")
        parts.append(f"L{x},{y}")
        previous_y = y
    return " ".join(parts)


def _nice_step(raw: Decimal) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at least `raw`: round numbers on the volume axis."""
    if raw <= 0:
        return Decimal(1)
    power = Decimal(10) ** raw.adjusted()
    return next(power * factor for factor in (1, 2, Decimal("2.5"), 5, 10) if power * factor >= raw)


def _short(value: Decimal) -> str:
    for limit, suffix in ((10 ** 9, "bn"), (10 ** 6, "m"), (10 ** 3, "k")):
        if value >= limit:
            return f"{(value / limit).normalize():f}{suffix}"
    return f"{value:.0f}"
