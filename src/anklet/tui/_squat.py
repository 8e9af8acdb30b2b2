"""The squat view: per side, the rep counter, the latest rep's maximum dorsiflexion against
the athlete's threshold, the ``restricted_df`` flag, the live trace and every recent rep."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from anklet.gait import AthleteProfile
from anklet.tui._badges import FlagBadges
from anklet.tui._format import degrees, number
from anklet.tui._gauge import Gauge, passes
from anklet.tui._model import SideState
from anklet.tui._sides import BothSides
from anklet.tui._table import RecentTable
from anklet.tui._trace import AngleTrace
from anklet.tui._updates import update_if_changed

__all__ = ["SquatView"]

TRACE_SPAN_S = 12.0  # two or three reps
RANGE_DEG = (-10.0, 50.0)  # standing to a deep squat (about 38 deg, heels down)
_REP_COLUMNS = (("rep", 4), ("max DF", 7), ("knee>toe", 8), ("", 4))


class SquatSide(Vertical):
    """One ankle of the squat view."""

    def __init__(self, side: str, athlete: AthleteProfile, **kwargs) -> None:
        super().__init__(**kwargs)
        self.side = side
        self.threshold_deg = athlete.thresholds.restricted_df_squat_deg

    def compose(self) -> ComposeResult:
        yield Static(classes="side-title")
        yield Gauge(range_deg=RANGE_DEG, good="above")
        yield FlagBadges(("restricted_df",))
        yield AngleTrace(span_s=TRACE_SPAN_S, range_deg=RANGE_DEG)
        yield RecentTable(_REP_COLUMNS)

    def show(self, state: SideState, marks: list[float]) -> None:
        last = state.reps[-1] if state.reps else None
        max_df = last["max_dorsiflexion_deg"] if last else None
        update_if_changed(self.query_one(".side-title", Static), _title(self.side, state.rep_count, max_df, self.threshold_deg))
        self.query_one(Gauge).show(max_df, self.threshold_deg)
        self.query_one(FlagBadges).show(state.active_flags())
        self.query_one(AngleTrace).show(state.angles, (), marks, threshold_deg=self.threshold_deg)
        first_number = state.rep_count - len(state.reps) + 1
        self.query_one(RecentTable).show([_rep_row(first_number + i, rep) for i, rep in enumerate(state.reps)])


def _title(side: str, reps: int, max_df_deg: float | None, threshold_deg: float) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f" {side.upper()} ", style="bold reverse")
    text.append(f"  reps {reps:<3}", style="bold")
    text.append("  max DF ")
    if max_df_deg is None:
        text.append("--", style="bold")
    else:
        text.append(degrees(max_df_deg), style="bold green" if passes(max_df_deg, threshold_deg, "above") else "bold red")
    return text


def _rep_row(number_: int, rep: dict[str, Any]) -> tuple:
    restricted = rep["restricted_df"]
    return (
        str(number_),
        (degrees(rep["max_dorsiflexion_deg"]), "red" if restricted else ""),
        number(rep["knee_past_toe_cm"], " cm", 1),
        ("!" if restricted else "ok", "bold red" if restricted else "green"),
    )


class SquatView(BothSides):
    """Both ankles side by side."""

    side_panel = SquatSide
