"""What the report says in words: what each flag means and why it matters (from the coaching
articles in DESIGN.md's seeds), each flag's evidence and each guided test's result as one a
physio reads without knowing anklet's field names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from anklet.gait import FlagChange

BANKS_2023 = 'Chris Banks, "Two Ways Your Ankles Are Causing Your Back Pain", 2023'

FLAG_NAMES = {
    "restricted_pf": "Restricted ankle extension",
    "restricted_df": "Restricted ankle bend",
    "asymmetry": "Left/right difference in push-off",
    "worsening": "Push-off getting worse",
}

FLAG_MEANINGS = {
    "restricted_pf": (
        "The ankle does not extend (plantarflex) enough as the foot leaves the ground. A runner should extend "
        "the ankle with every step, pushing the toes into the ground to move forward; an ankle that stops short "
        "acts like a string from the toes to the front of the knee, and over thousands of strides the extra "
        f"tension up the calf to the glutes can show as low-back fatigue and tightness ({BANKS_2023}). In the "
        "tall-kneeling test it is the gap left between the front of the ankle and the floor."
    ),
    "restricted_df": (
        "The ankle does not bend (dorsiflex) enough at the bottom of the squat, lunge or knee-to-wall test: "
        "the knees cannot travel over the toes, the hips stop lowering, and the torso bows forward instead, "
        f"which loads the low back. No coaching cue fixes this; more ankle range of motion does ({BANKS_2023})."
    ),
    "asymmetry": (
        "One ankle extends clearly less than the other at push-off (median angle at toe-off of each side), "
        "so the two legs do not share the work of pushing off alike."
    ),
    "worsening": (
        "During the session the ankle extended less and less at push-off compared with the first minute of "
        "steady running, as fatigue does."
    ),
}


METRIC_LABELS = {
    "contact_time_s": "contact time, s", "flight_time_s": "flight time, s", "stride_time_s": "stride time, s",
    "cadence_spm": "cadence, steps/min", "ankle_angle_at_ic_deg": "angle at landing, °",
    "ankle_angle_at_to_deg": "angle at toe-off, °", "peak_dorsiflexion_deg": "deepest bend in stance, °",
    "peak_plantarflexion_deg": "most extension after toe-off, °", "range_deg": "range of motion, °",
}
"""Plain names of the stride metrics (``anklet.gait.SYMMETRY_METRICS``) with their units."""

def side_word(side: str) -> str:
    return {"left": "Left", "right": "Right"}.get(side, side)


def clock(t_s: float) -> str:
    """Session time as m:ss."""
    minutes, seconds = divmod(int(round(t_s)), 60)
    return f"{minutes}:{seconds:02d}"


def degrees(value: float) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value:.1f}°"


def flag_evidence(change: FlagChange) -> str:
    """The evidence of one flag change in words."""
    evidence = change.evidence
    if "test" in evidence:
        return assessment_result(evidence)
    if change.flag == "restricted_pf":
        return _restricted_pf(evidence)
    if change.flag == "restricted_df":
        return _restricted_df(evidence)
    if change.flag == "asymmetry":
        medians = evidence["median_to_deg"]
        return (
            f"Median angle at toe-off over the recent {evidence['gait']} strides: left {degrees(medians['left'])}, "
            f"right {degrees(medians['right'])}, {evidence['difference_deg']:.1f}° apart (the flag is raised above "
            f"{evidence['threshold_deg']:.0f}°)."
        )
    if change.flag == "worsening":
        return (
            f"Median angle at toe-off of the recent {evidence['gait']} strides {degrees(evidence['median_to_deg'])}, "
            f"against {degrees(evidence['baseline_to_deg'])} in the first window: {evidence['lost_deg']:.1f}° less "
            f"extension (the flag is raised above {evidence['threshold_deg']:.0f}°)."
        )
    return ", ".join(f"{key}: {value}" for key, value in evidence.items() if not isinstance(value, list | dict))


def _restricted_pf(evidence: Mapping[str, Any]) -> str:
    strides = evidence["strides"]
    restricted = sum(s["ankle_angle_at_to_deg"] > s["threshold_deg"] for s in strides)
    thresholds = ", ".join(f"{degrees(value)} for {gait}" for gait, value in evidence["threshold_deg"].items())
    median = float(np.median([s["ankle_angle_at_to_deg"] for s in strides]))
    return (
        f"{restricted} of the last {len(strides)} strides left the ground with the ankle extended less than the "
        f"threshold (an angle at toe-off above {thresholds}); their median angle at toe-off was {degrees(median)}."
    )


def _restricted_df(evidence: Mapping[str, Any]) -> str:
    reps = evidence["reps"]
    deepest = max(r["max_dorsiflexion_deg"] for r in reps)
    return (
        f"{evidence['restricted_reps']} of the last {evidence['window_reps']} reps bent the ankle less than "
        f"{degrees(evidence['threshold_deg'])} at the bottom; the most any of them reached was {degrees(deepest)}."
    )


def assessment_result(assessment: Mapping[str, Any]) -> str:
    """One guided test's result in words."""
    test = assessment["test"]
    if test == "knee_to_wall":
        reach = "the knee touched the wall" if assessment["knee_touches_wall"] else "the knee did not reach the wall"
        return (
            f"With the longest toe {assessment['toe_to_wall_cm']:.1f} cm from the wall, the ankle bent at most "
            f"{degrees(assessment['max_dorsiflexion_deg'])} over {len(assessment['attempts_deg'])} attempts; "
            f"touching the wall takes {degrees(assessment['required_deg'])}, so {reach} (it would have from "
            f"{assessment['max_toe_to_wall_cm']:.1f} cm)."
        )
    if test == "tall_kneeling":
        return (
            f"Sitting back on the heels, the ankle extended {degrees(assessment['max_plantarflexion_deg'])}, leaving "
            f"a gap of {assessment['ankle_gap_cm']:.1f} cm between the front of the ankle and the floor; no gap "
            f"takes {degrees(assessment['required_pf_deg'])}."
        )
    if test == "split_squat":
        return (
            f"Set {assessment['set_index'] + 1}: {assessment['reps']} reps, the front ankle bending at most "
            f"{degrees(max(assessment['max_dorsiflexion_deg']))} (median range of motion "
            f"{degrees(float(np.median(assessment['range_deg'])))})."
        )
    return ", ".join(f"{key}: {value}" for key, value in assessment.items())


TEST_NAMES = {
    "knee_to_wall": "Knee-to-wall test (ankle bend)",
    "tall_kneeling": "Tall-kneeling test (ankle extension)",
    "split_squat": "Split squat on a slant (active ankle range)",
}
