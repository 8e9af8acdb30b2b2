"""The report's parts: the sensors' health, the gait-cycle profiles behind the first figure,
the figures a session has, and the words a physio reads for each flag and test."""

from __future__ import annotations

import numpy as np
import pytest

from anklet.files import ImuTable
from anklet.gait import FlagChange
from anklet.report import sensor_health, thresholds_used
from anklet.report._figures import gait_cycle_profiles, png
from anklet.report._words import assessment_result, flag_evidence
from anklet.report._write import _draw


def test_health_counts_each_sensors_missing_samples_rate_and_longest_gap():
    t = np.arange(1000) / 100.0
    acc = np.ones((1000, 3))
    lossy = acc.copy()
    lossy[100:130] = np.nan  # 0.3 s gap
    lossy[500, 1] = np.nan  # one lost sample
    table = ImuTable(t, {"left_foot": acc, "left_shank": lossy}, {"left_foot": acc, "left_shank": acc})
    foot, shank = sensor_health(table, 100.0)
    assert (foot.name, foot.missing_pct, foot.delivered_hz, foot.longest_gap_s) == ("left_foot", 0.0, 100.0, 0.0)
    assert shank.missing_pct == pytest.approx(3.1)
    assert shank.delivered_hz == pytest.approx(96.9)
    assert shank.longest_gap_s == pytest.approx(0.3)


def test_the_gait_cycle_profile_passes_toe_off_at_the_strides_toe_off_angle(run_analysis):
    profiles = gait_cycle_profiles(run_analysis)
    summary = run_analysis.gait.summary()["strides"]
    assert set(profiles) == {"left", "right"}
    for side, (curves, toe_off_pct) in profiles.items():
        assert len(curves) >= 0.8 * summary[side]["count"]
        assert 25 < toe_off_pct < 45  # running: the foot is on the ground for about a third of the stride
        at_toe_off = np.interp(toe_off_pct, np.linspace(0, 100, curves.shape[1]), curves.mean(axis=0))
        assert at_toe_off == pytest.approx(summary[side]["median_ankle_angle_at_to_deg"], abs=1.5)


def test_a_run_has_the_running_figures_and_squats_the_reps_figure(run_analysis, squats_analysis):
    assert list(_draw(run_analysis)) == ["gait_cycle", "to_angle", "contact_time", "left_right"]
    drawn = _draw(squats_analysis)
    assert list(drawn) == ["reps"]
    assert drawn["reps"].png.startswith(b"\x89PNG\r\n\x1a\n") and drawn["reps"].name == "reps.png"


def test_the_limits_shown_are_those_the_session_was_judged_by(run_analysis, squats_analysis):
    running = thresholds_used(run_analysis)
    assert list(running) == ["restricted_pf_to_deg", "asymmetry_deg", "worsening_deg"]
    assert running["restricted_pf_to_deg"]["value"] == "-15°" and "Novacheck" in running["restricted_pf_to_deg"]["source"]
    squats = thresholds_used(squats_analysis)
    assert list(squats) == ["restricted_df_squat_deg"] and squats["restricted_df_squat_deg"]["value"] == "25°"


def test_png_is_a_png():
    from matplotlib.figure import Figure

    assert png(Figure()).startswith(b"\x89PNG")


def _stride(to_deg: float) -> dict:
    return {"ic_t": 1.0, "to_t": 1.2, "ankle_angle_at_to_deg": to_deg, "gait": "running", "threshold_deg": -15.0}


@pytest.mark.parametrize("change, words", [
    (FlagChange(40.0, "right", "restricted_pf", True, {
        "strides": [_stride(-8.0), _stride(-9.0), _stride(-20.0)], "restricted_fraction": 2 / 3,
        "threshold_deg": {"running": -15.0}, "threshold_source": {"running": "a source"}}),
     ["2 of the last 3 strides", "above -15.0° for running", "median angle at toe-off was -9.0°"]),
    (FlagChange(41.0, "right", "asymmetry", True, {
        "gait": "running", "median_to_deg": {"left": -20.0, "right": -8.5}, "difference_deg": 11.5,
        "threshold_deg": 5.0, "strides": {}}),
     ["left -20.0°, right -8.5°, 11.5° apart", "above 5°"]),
    (FlagChange(90.0, "left", "worsening", True, {
        "strides": [], "gait": "running", "median_to_deg": -12.0, "baseline_to_deg": -19.0, "lost_deg": 7.0,
        "threshold_deg": 5.0}),
     ["-12.0°, against -19.0°", "7.0° less extension"]),
    (FlagChange(15.7, "left", "restricted_df", True, {
        "threshold_deg": 25.0, "threshold_source": "s", "restricted_reps": 3, "window_reps": 4,
        "reps": [{"max_dorsiflexion_deg": 16.1}, {"max_dorsiflexion_deg": 27.0}]}),
     ["3 of the last 4 reps", "less than 25.0°", "reached was 27.0°"]),
])
def test_each_flags_evidence_reads_as_a_sentence_with_its_numbers(change, words):
    sentence = flag_evidence(change)
    assert sentence.endswith(".") and "_" not in sentence
    for part in words:
        assert part in sentence


def test_the_guided_tests_results_read_with_their_numbers():
    knee = assessment_result({
        "test": "knee_to_wall", "side": "right", "max_dorsiflexion_deg": 30.46, "toe_to_wall_cm": 13.97,
        "required_deg": 43.63, "max_toe_to_wall_cm": 6.8, "knee_touches_wall": False, "passed": False,
        "attempts_deg": [28.1, 29.5, 30.46], "t": 47.4})
    assert "13.0 cm" not in knee and "14.0 cm from the wall" in knee and "30.5°" in knee and "43.6°" in knee
    assert "did not reach the wall" in knee and "3 attempts" in knee
    kneeling = assessment_result({
        "test": "tall_kneeling", "side": "left", "max_plantarflexion_deg": 44.7, "ankle_gap_cm": 4.88,
        "required_pf_deg": 61.8, "passed": False, "t": 20.2})
    assert "44.7°" in kneeling and "gap of 4.9 cm" in kneeling and "61.8°" in kneeling
    split = assessment_result({
        "test": "split_squat", "side": "left", "set_index": 1, "reps": 8, "max_dorsiflexion_deg": [30.0, 33.2],
        "max_plantarflexion_deg": [5.0, 6.0], "range_deg": [35.0, 39.0], "passed": True, "t": 80.0})
    assert "Set 2: 8 reps" in split and "33.2°" in split and "37.0°" in split
