"""The live dorsiflexion trace: the last few seconds of one ankle's angle in braille dots
(2 x 4 per cell, so a 35-column trace has 70 points across), the threshold as a dashed line,
and a row under it with the gait events (``i`` initial contact, ``T`` toe-off) and the
coach's marks (``M``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.text import Text
from textual.widget import Widget

__all__ = ["AngleTrace", "trace_text"]

_DOT_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))  # [column][row] of a braille cell
_LABEL_WIDTH = 4
_EVENT_GLYPHS = {"IC": ("i", "bold cyan"), "TO": ("T", "bold magenta")}


def trace_text(
    angles: Sequence[tuple[float, float | None]],
    events: Iterable[tuple[float, str]],
    marks: Iterable[float],
    *,
    width: int,
    height: int,
    t_end: float,
    span_s: float,
    range_deg: tuple[float, float],
    threshold_deg: float | None = None,
) -> Text:
    """The trace of ``angles`` (``(t, deg or None)`` in time order) over ``t_end - span_s`` to
    ``t_end`` as ``height`` lines of ``width`` cells, the last line for ``events`` (``(t,
    IC|TO|MS)``) and ``marks`` (session times); angles outside ``range_deg`` are clipped."""
    plot_width, plot_rows = max(width - _LABEL_WIDTH, 1), max(height - 1, 1)
    dots_x, dots_y = 2 * plot_width, 4 * plot_rows
    lo, hi = range_deg
    t_start = t_end - span_s

    def column(t: float) -> int:
        return round((t - t_start) / span_s * (dots_x - 1))

    def row(value: float) -> int:
        return round((hi - min(max(value, lo), hi)) / (hi - lo) * (dots_y - 1))

    cells = [[0] * plot_width for _ in range(plot_rows)]
    previous: tuple[int, int] | None = None
    for t, value in angles:
        if t < t_start - span_s / dots_x or t > t_end or value is None:
            previous = None  # a gap in the angles stays a gap in the line
            continue
        point = (column(t), row(value))
        for x, y in _segment(previous, point):
            if 0 <= x < dots_x:
                cells[y // 4][x // 2] |= _DOT_BITS[x % 2][y % 4]
        previous = point

    threshold_row = None if threshold_deg is None else row(threshold_deg) // 4
    zero_row = row(0.0) // 4 if lo < 0.0 < hi else None
    text = Text(no_wrap=True, overflow="crop")
    for index, line in enumerate(cells):
        text.append(_label(index, plot_rows, hi, lo, threshold_row, threshold_deg), style="dim")
        for bits in line:
            if bits:
                text.append(chr(0x2800 + bits), style="bold green")
            elif index == threshold_row:
                text.append("╌", style="red")
            elif index == zero_row:
                text.append("·", style="grey50")
            else:
                text.append(" ")
        text.append("\n")
    text.append(_event_row(events, marks, plot_width, t_start, t_end, column))
    return text


def _segment(start: tuple[int, int] | None, end: tuple[int, int]) -> list[tuple[int, int]]:
    """The dots from ``start`` to ``end`` (both included), one per column and row step."""
    if start is None:
        return [end]
    (x0, y0), (x1, y1) = start, end
    steps = max(abs(x1 - x0), abs(y1 - y0), 1)
    return [(x0 + (x1 - x0) * i // steps, y0 + (y1 - y0) * i // steps) for i in range(1, steps + 1)]


def _label(index: int, rows: int, hi: float, lo: float, threshold_row: int | None, threshold_deg: float | None) -> str:
    if index == 0:
        value: float | None = hi
    elif index == rows - 1:
        value = lo
    elif index == threshold_row:
        value = threshold_deg
    else:
        value = None
    return " " * _LABEL_WIDTH if value is None else f"{value:+.0f}"[: _LABEL_WIDTH - 1].rjust(_LABEL_WIDTH - 1) + " "


def _event_row(events, marks, plot_width, t_start, t_end, column) -> Text:
    glyphs: dict[int, tuple[str, str]] = {}
    for t, event in events:
        if t_start <= t <= t_end and event in _EVENT_GLYPHS:
            glyphs[column(t) // 2] = _EVENT_GLYPHS[event]
    for t in marks:
        if t_start <= t <= t_end:
            glyphs[column(t) // 2] = ("M", "bold black on yellow")
    row = Text(" " * _LABEL_WIDTH, no_wrap=True)
    for cell in range(plot_width):
        glyph, style = glyphs.get(cell, (" ", ""))
        row.append(glyph, style=style)
    return row


class AngleTrace(Widget):
    """One ankle's trace; ``show(...)`` takes what ``trace_text`` draws (but the size, which
    is the widget's own) and redraws."""

    DEFAULT_CSS = "AngleTrace { height: 1fr; min-height: 4; }"

    def __init__(self, *, span_s: float, range_deg: tuple[float, float], **kwargs) -> None:
        super().__init__(**kwargs)
        self.span_s = span_s
        self.range_deg = range_deg
        self._angles: Sequence[tuple[float, float | None]] = ()
        self._events: Iterable[tuple[float, str]] = ()
        self._marks: Iterable[float] = ()
        self._t_end = span_s
        self._threshold_deg: float | None = None

    def show(
        self,
        angles: Sequence[tuple[float, float | None]],
        events: Iterable[tuple[float, str]],
        marks: Iterable[float],
        *,
        threshold_deg: float | None = None,
        range_deg: tuple[float, float] | None = None,
    ) -> None:
        self._angles, self._events, self._marks = list(angles), list(events), list(marks)
        self._t_end = max(self.span_s, self._angles[-1][0]) if self._angles else self.span_s
        self._threshold_deg = threshold_deg
        self.range_deg = range_deg or self.range_deg
        self.refresh()

    def render(self) -> Text:
        return trace_text(
            self._angles, self._events, self._marks, width=self.size.width, height=self.size.height,
            t_end=self._t_end, span_s=self.span_s, range_deg=self.range_deg, threshold_deg=self._threshold_deg,
        )
