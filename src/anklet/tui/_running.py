"""The running view: per side, the toe-off angle of the latest stride against the athlete's
threshold, the flag badges, the live dorsiflexion trace with IC/TO marks, contact time and
cadence, and the recent strides."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from anklet.gait import AthleteProfile
from anklet.tui._badges import FlagBadges
from anklet.tui._format import degrees, number
from anklet.tui._gauge import Gauge
from anklet.tui._model import SideState
from anklet.tui._sides import BothSides
from anklet.tui._table import RecentTable
from anklet.tui._trace import AngleTrace
from anklet.tui._updates import update_if_changed

__all__ = ["RunningView"]

TRACE_SPAN_S = 5.0  # about seven strides at a running cadence
TRACE_RANGE_DEG = (-40.0, 30.0)  # running ankles go from about -30 (toe-off) to +25 (mid-stance)
TO_GAUGE_RANGE_DEG = (-40.0, 10.0)
RUNNING_FLAGS = ("restricted_pf", "asymmetry", "worsening")
_STRIDE_COLUMNS = (("t s", 7), ("TO", 7), ("contact", 7), ("cadence", 7), ("", 4))


class RunningSide(Vertical):
    """One ankle of the running view."""

    def __init__(self, side: str, athlete: AthleteProfile, **kwargs) -> None:
        super().__init__(**kwargs)
        self.side = side
        self.athlete = athlete

    def compose(self) -> ComposeResult:
        yield Static(classes="side-title")
        yield Gauge(range_deg=TO_GAUGE_RANGE_DEG, good="below")
        yield FlagBadges(RUNNING_FLAGS)
        yield AngleTrace(span_s=TRACE_SPAN_S, range_deg=TRACE_RANGE_DEG)
        yield Static(classes="metrics")
        yield RecentTable(_STRIDE_COLUMNS)

    def show(self, state: SideState, marks: list[float]) -> None:
        thresholds = self.athlete.thresholds.restricted_pf_to_deg_by_gait
        last = state.strides[-1] if state.strides else None
        threshold = thresholds[last["gait"]] if last else thresholds["running"]
        to_deg = last["ankle_angle_at_to_deg"] if last else None
        update_if_changed(self.query_one(".side-title", Static), _title(self.side, last))
        self.query_one(Gauge).show(to_deg, threshold)
        self.query_one(FlagBadges).show(state.active_flags())
        self.query_one(AngleTrace).show(state.angles, state.events, marks, threshold_deg=threshold)
        update_if_changed(self.query_one(".metrics", Static), 
            f"contact {number(last and last['contact_time_s'], ' s')}   "
            f"cadence {number(last and last['cadence_spm'], ' spm', 0)}   "
            f"now {degrees(state.dorsiflexion_deg)}"
        )
        self.query_one(RecentTable).show([_stride_row(stride) for stride in state.strides])


def _title(side: str, stride: dict[str, Any] | None) -> Text:
    """Side and the latest stride's TO angle; the gauge under it shows the threshold."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f" {side.upper()} ", style="bold reverse")
    text.append("  TO ")
    if stride is None or stride["ankle_angle_at_to_deg"] is None:
        return text.append("--", style="bold")
    restricted = stride["restricted_pf"]  # judged by its own gait's threshold
    text.append(degrees(stride["ankle_angle_at_to_deg"]), style="bold red" if restricted else "bold green")
    text.append("  RESTRICTED" if restricted else "  extends", style="bold white on red" if restricted else "green")
    return text


def _stride_row(stride: dict[str, Any]) -> tuple:
    restricted = stride["restricted_pf"]  # judged by its own gait's threshold
    return (
        f"{stride['t']:.1f}",
        (degrees(stride["ankle_angle_at_to_deg"]), "red" if restricted else ""),
        number(stride["contact_time_s"], " s"),
        number(stride["cadence_spm"], "", 0),
        ("!" if restricted else "ok", "bold red" if restricted else "green"),
    )


class RunningView(BothSides):
    """Both ankles side by side."""

    side_panel = RunningSide
