"""A one-line gauge: an angle against its threshold, green on the good side, red on the other,
the threshold a bar across it; what the coach reads from across the room."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from anklet.tui._updates import refresh_if_changed

__all__ = ["Gauge", "gauge_text", "passes"]


def passes(value_deg: float, threshold_deg: float, good: str) -> bool:
    """Whether ``value_deg`` is on the ``good`` side (``"below"`` or ``"above"``) of the threshold."""
    return value_deg <= threshold_deg if good == "below" else value_deg >= threshold_deg


def gauge_text(
    value_deg: float | None, threshold_deg: float, *, range_deg: tuple[float, float], width: int, good: str
) -> Text:
    """``width`` cells: what passes (``≤ -15°``), then a bar spanning ``range_deg``, filled
    from the end of the range that is good (``good`` is ``"below"``: lower values pass, like
    a toe-off angle; ``"above"``: higher ones, like a squat's dorsiflexion) up to
    ``value_deg``, with the threshold as a ``┃``."""
    lo, hi = range_deg
    label = f"{'≤' if good == 'below' else '≥'}{threshold_deg:+.0f}° "
    width = max(width - len(label), 3)

    def cell(value: float) -> int:
        return round((min(max(value, lo), hi) - lo) / (hi - lo) * (width - 1))

    mark = cell(threshold_deg)
    filled: set[int] = set()
    style = "grey50"
    if value_deg is not None:
        at = cell(value_deg)
        filled = set(range(at, width)) if good == "below" else set(range(at + 1))
        style = "bold green" if passes(value_deg, threshold_deg, good) else "bold red"
    text = Text(label, style="bold", no_wrap=True, overflow="crop")
    for index in range(width):
        if index == mark:
            text.append("┃", style="bold white")
        else:
            text.append("█" if index in filled else "░", style=style if index in filled else "grey23")
    return text


class Gauge(Widget):
    """A one-line ``gauge_text`` as wide as the widget; ``show(...)`` sets what it shows."""

    DEFAULT_CSS = "Gauge { height: 1; }"

    def __init__(self, *, range_deg: tuple[float, float], good: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.range_deg, self.good = range_deg, good
        self._value_deg: float | None = None
        self._threshold_deg = 0.0

    def show(self, value_deg: float | None, threshold_deg: float, range_deg: tuple[float, float] | None = None) -> None:
        self._value_deg, self._threshold_deg = value_deg, threshold_deg
        self.range_deg = range_deg or self.range_deg
        refresh_if_changed(self, (value_deg, threshold_deg, self.range_deg))

    def render(self) -> Text:
        return gauge_text(self._value_deg, self._threshold_deg, range_deg=self.range_deg, width=self.size.width, good=self.good)
