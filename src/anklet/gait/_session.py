"""A whole recorded session through the gait stage: what the live stage finds for the activity
named (events and strides, squat reps, or a guided test's reps and assessments), or, when
none is named, events and strides when the feet ran and squat reps otherwise; the flags they
raise, and the summary a coach reads first."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from anklet.files import ImuTable
from anklet.gait._athlete import AthleteProfile
from anklet.gait._events import detect_events
from anklet.gait._flags import FlagChange
from anklet.gait._foot_events import GaitEvent
from anklet.gait._live import GuidedTestGait, live_gait
from anklet.gait._running_flags import RunningFlags
from anklet.gait._squat import Rep, detect_reps
from anklet.gait._squat_flag import RestrictedDfFlag
from anklet.gait._strides import Stride, nan_median, strides_from_events, symmetry
from anklet.geometry import SIDES
from anklet.calibration import Calibration, CalibrationParams
from anklet.pipeline import AngleChunk, AngleParams, angles_from_table, table_on_grid


@dataclass(frozen=True, slots=True)
class SessionGait:
    """What the gait stage found in one session; ``assessments`` are a guided test's."""

    events: list[GaitEvent]
    strides: list[Stride]
    reps: list[Rep]
    flags: list[FlagChange]
    assessments: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """``summary.json``: per side medians, cadence, symmetry, and every flag with its evidence."""
        return {
            "strides": {side: _stride_medians([s for s in self.strides if s.side == side]) for side in SIDES},
            "symmetry": [dataclasses.asdict(entry) for entry in symmetry(self.strides)] if self.strides else [],
            "reps": {side: _rep_medians([r for r in self.reps if r.side == side]) for side in SIDES},
            "flags": [change.to_message() for change in self.flags],
            "assessments": self.assessments,
        }


@dataclass(frozen=True, slots=True)
class SessionAnalysis:
    """A whole session analysed offline: its samples on the grid, the angles and the
    calibration they rest on, and what the gait stage found. ``analyze``, ``export`` and
    ``report`` all start from it."""

    table: ImuTable
    rate_hz: float
    angles: AngleChunk
    calibration: Calibration
    gait: SessionGait
    athlete: AthleteProfile
    activity: str | None


def analyze_table(table: ImuTable, athlete: AthleteProfile, activity: str | None = None) -> SessionAnalysis:
    """Grid, calibrate, fuse and find the gait of a session's samples (a file's, or a
    recording's), as the live pipeline would for ``activity``, which also tells calibration's
    swap check which of its rules hold."""
    table, rate_hz = table_on_grid(table)
    angles, calibration = angles_from_table(table, rate_hz, AngleParams(calibration=CalibrationParams(activity=activity)))
    gait = analyze_session(table, rate_hz, angles, athlete, activity)
    return SessionAnalysis(table, rate_hz, angles, calibration, gait, athlete, activity)


def analyze_session(
    table: ImuTable, rate_hz: float, angles: AngleChunk, athlete: AthleteProfile, activity: str | None = None
) -> SessionGait:
    """The session's gait, as the live stage finds it for ``activity`` (one of ``ACTIVITIES``:
    a guided test counts its own reps); with no activity, events, strides and the running
    flags when the session has foot sensors that ran, squat reps and their flag otherwise.
    ValueError for an unknown activity."""
    if activity is not None and isinstance(stage := live_gait(rate_hz, athlete, activity), GuidedTestGait):
        stage.test.update(angles)
        stage.test.finish()
        return SessionGait([], [], stage.test.reps_, stage.test.flags_, stage.test.assessments_)
    events: list[GaitEvent] = []
    if activity != "squat":
        has_feet = any(name.endswith("_foot") for name in table.sensors)
        events = detect_events(table, rate_hz) if has_feet else []
        thresholds = athlete.thresholds.restricted_pf_to_deg_by_gait
        strides = strides_from_events(events, angles, restricted_pf_to_deg=thresholds)
        if strides or activity is not None:  # running or walking, named or found
            return SessionGait(events, strides, [], RunningFlags(athlete).update(strides))
    reps = detect_reps(angles, rate_hz, athlete) if angles.angles else []
    return SessionGait(events, [], reps, RestrictedDfFlag(athlete).update(reps))


def _stride_medians(strides: list[Stride]) -> dict[str, Any]:
    if not strides:
        return {"count": 0}
    fields = ("contact_time_s", "flight_time_s", "stride_time_s", "cadence_spm", "ankle_angle_at_to_deg",
              "peak_dorsiflexion_deg", "peak_plantarflexion_deg", "range_deg")
    medians = {f"median_{name}": nan_median([getattr(s, name) for s in strides]) for name in fields}
    return {
        "count": len(strides),
        "walking_count": sum(s.gait == "walking" for s in strides),
        "restricted_pf_count": sum(s.restricted_pf for s in strides),
        **medians,
    }


def _rep_medians(reps: list[Rep]) -> dict[str, Any]:
    if not reps:
        return {"count": 0}
    return {
        "count": len(reps),
        "restricted_df_count": sum(r.restricted_df for r in reps),
        "median_max_dorsiflexion_deg": nan_median([r.max_dorsiflexion_deg for r in reps]),
    }
