"""A table of the newest rows first, as many as its height holds (strides, reps, sets)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

from anklet.tui._updates import refresh_if_changed

__all__ = ["RecentTable"]

Cell = str | tuple[str, str]  # text, or (text, rich style)


class RecentTable(Widget):
    """A header line, then ``rows`` newest first; ``show(rows)`` takes them oldest first."""

    DEFAULT_CSS = "RecentTable { height: 1fr; min-height: 2; }"

    def __init__(self, columns: Sequence[tuple[str, int]], **kwargs) -> None:
        """``columns``: (title, width) pairs; cells are right-aligned to the width."""
        super().__init__(**kwargs)
        self.columns = list(columns)
        self._rows: list[Sequence[Cell]] = []

    def show(self, rows: Sequence[Sequence[Cell]]) -> None:
        self._rows = list(rows)
        refresh_if_changed(self, self._rows)

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="crop")
        for title, width in self.columns:
            text.append(title.rjust(width) + " ", style="bold underline")
        for row in reversed(self._rows[-max(self.size.height - 1, 0) :]):
            text.append("\n")
            for cell, (_, width) in zip(row, self.columns, strict=True):
                value, style = (cell, "") if isinstance(cell, str) else cell
                text.append(value.rjust(width) + " ", style=style)
        return text
