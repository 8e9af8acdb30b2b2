"""Both ankles side by side: the frame the running and squat views share."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget

from anklet.gait import AthleteProfile
from anklet.geometry import SIDES
from anklet.tui._model import AthleteState


class BothSides(Horizontal):
    """One ``side_panel`` per side (a widget class taking ``(side, athlete)`` with a
    ``show(side_state, marks)``), each shown its side's state and the athlete's marks."""

    side_panel: ClassVar[type[Widget]]

    def __init__(self, athlete: AthleteProfile, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.athlete = athlete

    def compose(self) -> ComposeResult:
        for side in SIDES:
            yield self.side_panel(side, self.athlete, classes=f"side side-{side}")

    def show(self, state: AthleteState) -> None:
        marks = [mark.t for mark in state.marks]
        for panel in self.query(self.side_panel):
            panel.show(state.sides[panel.side], marks)
