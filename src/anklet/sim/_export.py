"""``anklet simulate`` output: the IMU CSV on the host timeline and the ``truth_`` result files."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from anklet import __version__
from anklet.files import (
    EVENT_COLUMNS,
    REP_COLUMNS,
    STRIDE_COLUMNS,
    write_angles,
    write_imu_csv,
    write_records,
    write_summary,
)
from anklet.sim._session import SimulatedSession

IMU_FILE = "imu.csv"


def write_simulation(session: SimulatedSession, out_dir: Path) -> list[Path]:
    """Write the session's IMU CSV and ground truth into ``out_dir``; return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    truth = session.motion.truth
    paths = {name: out_dir / name for name in (
        IMU_FILE, "truth_angles.csv", "truth_events.csv", "truth_strides.csv", "truth_reps.csv",
        "truth_summary.json",
    )}
    write_imu_csv(paths[IMU_FILE], session.imu_table())
    write_angles(paths["truth_angles.csv"], session.host_grid(), session.truth_angles_on_grid())
    write_records(paths["truth_events.csv"], truth.events, EVENT_COLUMNS)
    write_records(paths["truth_strides.csv"], truth.strides, STRIDE_COLUMNS)
    write_records(paths["truth_reps.csv"], truth.reps, REP_COLUMNS)
    write_summary(paths["truth_summary.json"], truth_summary(session))
    return list(paths.values())


def truth_summary(session: SimulatedSession) -> dict[str, Any]:
    """Per-side medians, cadence, flags, assessments and how each sensor was simulated."""
    truth = session.motion.truth
    return {
        "anklet_version": __version__,
        "scenario": session.scenario.name,
        "kind": session.motion.kind,
        "seed": session.seed,
        "duration_s": session.duration_s,
        "sample_rate_hz": session.sample_rate_hz,
        "sides": {side: _side_summary(session, side) for side in ("left", "right")},
        "flags": truth.flags,
        "assessments": truth.assessments,
        "sensors": {name: _sensor_summary(sensor) for name, sensor in session.sensors.items()},
    }


def _side_summary(session: SimulatedSession, side: str) -> dict[str, Any]:
    truth = session.motion.truth
    strides = [stride for stride in truth.strides if stride.side == side]
    reps = [rep for rep in truth.reps if rep.side == side]
    summary: dict[str, Any] = {"strides": len(strides), "reps": len(reps)}
    if strides:
        stride_times = np.array([stride.end_t - stride.ic_t for stride in strides])
        summary |= {
            "median_ankle_angle_at_to_deg": float(np.median([s.ankle_angle_at_to_deg for s in strides])),
            "median_contact_time_s": float(np.median([s.contact_time_s for s in strides])),
            "cadence_spm": float(2 * 60.0 / np.median(stride_times)),
            "restricted_pf_strides": sum(stride.restricted_pf for stride in strides),
        }
    if reps:
        summary |= {
            "median_max_dorsiflexion_deg": float(np.median([rep.max_dorsiflexion_deg for rep in reps])),
            "restricted_df_reps": sum(rep.restricted_df for rep in reps),
        }
    return summary


def _sensor_summary(sensor: Any) -> dict[str, Any]:
    return {
        "mounting_rotation_segment_sensor": sensor.mounting.rotation_segment_sensor.round(6).tolist(),
        "mounting_offset_m": sensor.mounting.offset_m.round(4).tolist(),
        "clock_offset_us": sensor.clock.offset_us,
        "clock_drift_ppm": sensor.clock.drift_ppm,
        "delivery": dataclasses.asdict(sensor.delivery.stats),
    }
