"""``anklet bench events`` on a tiny run: figures for every detector, a table, a verdict, one-sentence errors."""

from __future__ import annotations

import json

import pytest

from anklet.bench import DETECTORS, TARGET_MEDIAN_MS
from anklet.cli import main


def test_json_has_every_detector_and_our_figures(capsys):
    code = main(["bench", "events", "--speed", "4", "--strike", "midfoot", "--seeds", "1", "--duration", "15",
                 "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    (result,) = report["results"]
    assert (result["scenario"], result["speed_mps"], result["strike"]) == ("run_4_midfoot", 4.0, "midfoot")
    assert set(result["detectors"]) == set(DETECTORS)
    ours = result["detectors"]["ours"]
    for event in ("IC", "TO"):
        assert ours[event]["true_events"] > 10
        assert ours[event]["median_abs_ms"] <= TARGET_MEDIAN_MS
        assert ours[event]["detected_pct"] > 90
    assert ours["TO"]["to_timing_mae_deg"] is not None
    assert report["conditions"]["loss_pct"] == 5 and report["match_tolerance_s"] > 0
    assert list(report["pooled"]) == ["running"]  # named running speeds and strikes run only those
    assert report["pooled"]["running"]["to_zero_crossing"]["TO"]["bias_ms"] > 50  # the published TO that comes late


def test_walking_and_a_robustness_case_beside_each_other(capsys):
    code = main(["bench", "events", "--walking-speed", "1.4", "--case", "stop_and_go", "--seeds", "1",
                 "--duration", "20", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [(r["scenario"], r["group"]) for r in report["results"]] == [("walk_1.4", "walking"), ("stop_and_go", "robustness")]
    walk, stops = report["results"]
    assert stops["description"].startswith("walking 1.4 m/s, stopping")
    for result in (walk, stops):
        ours = result["detectors"]["ours"]
        for event in ("IC", "TO"):
            assert ours[event]["true_events"] > 10
            assert ours[event]["median_abs_ms"] <= TARGET_MEDIAN_MS
    assert set(report["pooled"]) == {"walking", "robustness"}
    assert set(report["pooled"]["walking"]) == set(DETECTORS)
    for detector in ("ic_rampp", "ic_herzer"):  # late by gaitmap's 5-50 ms in walking
        assert 5.0 < report["pooled"]["walking"][detector]["IC"]["bias_ms"] < 50.0, detector


def test_table_lists_ours_per_scenario_and_every_detector(capsys):
    code = main(["bench", "events", "--speed", "3", "--strike", "rearfoot", "--seeds", "1", "--duration", "15",
                 "--loss-pct", "0"])
    out = capsys.readouterr().out
    assert code == 0
    assert "run_3_rearfoot" in out and "IC ms" in out and "TO angle" in out
    assert "Falbriard 2018" in out and "Rampp 2015" in out and "Herzer" in out
    assert "walk_" not in out and "robustness" not in out
    assert out.strip().splitlines()[-1].startswith(("targets met", "targets MISSED"))


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--seeds", "0"], "--seeds must be at least 1"),
        (["--duration", "4"], "duration must be longer than"),
        (["--loss-pct", "100"], "--loss-pct must be"),
        (["--walking-speed", "9", "--seeds", "1"], "speed_mps must be within"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_1(capsys, args, says):
    code = main(["bench", "events", *args])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and says in captured.err
    assert "Traceback" not in captured.err
