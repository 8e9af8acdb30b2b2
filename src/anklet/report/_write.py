"""The report of one analysed session: which figures it has, the limits it was judged by, and
the files written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from anklet.gait import SessionAnalysis
from anklet.geometry import SIDES
from anklet.report import _figures
from anklet.report._health import sensor_health
from anklet.report._page import ReportFigure, render


def write_report(analysis: SessionAnalysis, out: Path, source: str) -> list[str]:
    """Write ``report.html`` and its figures' PNGs into ``out`` (which must exist); the names
    written, the page last. ``source`` names the session (its file) on the page. Raises
    OSError when ``out`` cannot be written."""
    thresholds = thresholds_used(analysis)
    figures = _draw(analysis)
    for figure in figures.values():
        (out / figure.name).write_bytes(figure.png)
    page = render(analysis, source, figures, sensor_health(analysis.table, analysis.rate_hz), thresholds)
    (out / "report.html").write_text(page, encoding="utf-8")
    return [*(figure.name for figure in figures.values()), "report.html"]


def thresholds_used(analysis: SessionAnalysis) -> dict[str, dict[str, Any]]:
    """The athlete's limits this session was judged by, by profile key: what each limits (in
    words), its value as shown, and its source."""
    athlete, gait = analysis.athlete, analysis.gait
    th = athlete.thresholds
    used: dict[str, tuple[str, str]] = {}
    gaits = {s.gait for s in gait.strides}
    if "running" in gaits:
        used["restricted_pf_to_deg"] = ("A running stride is restricted when the ankle angle at toe-off is above",
                                        f"{th.restricted_pf_to_deg:.0f}°")
    if "walking" in gaits:
        used["restricted_pf_to_walking_deg"] = (
            "A walking stride is restricted when the ankle angle at toe-off is above",
            f"{th.restricted_pf_to_walking_deg:.0f}°")
    if gait.strides:
        used["asymmetry_deg"] = ("Left/right difference flagged when the sides' median toe-off angles differ by "
                                 "more than", f"{th.asymmetry_deg:.0f}°")
        used["worsening_deg"] = ("Push-off getting worse flagged when a side loses more extension at toe-off than",
                                 f"{th.worsening_deg:.0f}°")
    tests = {a["test"] for a in gait.assessments}
    if gait.reps and analysis.activity == "split_squat":
        used["restricted_df_lunge_deg"] = ("A split-squat rep is restricted when the front ankle bends less than",
                                           f"{th.restricted_df_lunge_deg:.0f}°")
    elif gait.reps and analysis.activity != "knee_to_wall":
        used["restricted_df_squat_deg"] = ("A squat rep is restricted when the ankle bends less than",
                                           f"{th.restricted_df_squat_deg:.0f}°")
    if "knee_to_wall" in tests:
        key = "knee_to_wall_tall_distance_cm" if athlete.height_m >= th.knee_to_wall_tall_from_height_m else (
            "knee_to_wall_short_distance_cm")
        used[key] = (f"Knee-to-wall: longest toe from the wall, for a height of {athlete.height_m:.2f} m",
                     f"{100 * athlete.knee_to_wall_distance_m:.1f} cm")
    if "tall_kneeling" in tests:
        used["tall_kneeling_max_gap_cm"] = ("Tall kneeling passes with a gap between ankle and floor of at most",
                                            f"{th.tall_kneeling_max_gap_cm:.1f} cm")
    return {key: {"what": what, "value": value, "source": athlete.sources.get(key, "")}
            for key, (what, value) in used.items()}


def _draw(analysis: SessionAnalysis) -> dict[str, ReportFigure]:
    gait, th = analysis.gait, analysis.athlete.thresholds
    pf_thresholds = th.restricted_pf_to_deg_by_gait
    running = sum(s.gait == "running" for s in gait.strides) >= len(gait.strides) / 2
    drawn = {
        "gait_cycle": (
            _figures.gait_cycle(analysis, pf_thresholds["running" if running else "walking"]),
            "Ankle angle over the gait cycle: mean (line) ± one standard deviation (band) of each side's strides, "
            "from the foot landing (0 %) to its next landing (100 %). Dashed: mean toe-off; dotted: the toe-off "
            "limit, which the curve should be below at toe-off."),
        "to_angle": (
            _figures.to_angle_over_session(gait.strides, pf_thresholds),
            "Ankle angle at toe-off of every stride over the session. The shaded zone above the dotted limit is "
            "restricted extension (too little push-off); restricted strides are marked ×."),
        "contact_time": (
            _figures.contact_time(gait.strides),
            "Ground contact time of every stride, per side."),
        "left_right": (
            _figures.left_right(gait.summary()["symmetry"]),
            "Left against right: symmetry index of times, cadence and range, and the difference of the angles; "
            "bars to the right (blue) mean the left side is larger, to the left (orange) the right side."),
        "reps": (
            _figures.reps_against_threshold(gait.reps, _rep_thresholds(analysis)),
            "Deepest ankle bend of every rep against the limit (dotted); below it the rep is restricted (×)."),
    }
    return {name: ReportFigure(f"{name}.png", _figures.png(figure), caption)
            for name, (figure, caption) in drawn.items() if figure is not None}


def _rep_thresholds(analysis: SessionAnalysis) -> dict[str, float]:
    """Per side, the bend a rep should reach: the knee-to-wall angle each side needed, else the
    profile's squat (or split-squat) limit."""
    th = analysis.athlete.thresholds
    if analysis.activity == "knee_to_wall":
        return {a["side"]: a["required_deg"] for a in analysis.gait.assessments}
    limit = th.restricted_df_lunge_deg if analysis.activity == "split_squat" else th.restricted_df_squat_deg
    return dict.fromkeys(SIDES, limit)
