"""``anklet bench accuracy``: real dorsiflexion errors against the simulator's truth, short runs."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from anklet.bench import TARGET_RMSE_DEG
from anklet.cli import main
from anklet.errors import ValidationError
from anklet.sim import load_scenario, simulate


def bench_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    code = main(["bench", "accuracy", "--seeds", "1", "--drift-minutes", "0", "--json", *args])
    out = capsys.readouterr().out
    assert code == 0
    return json.loads(out)


def by_side(report: dict, scenario: str) -> dict[str, dict]:
    return {row["side"]: row for row in report["results"] if row["scenario"] == scenario}


def test_squats_under_bench_conditions_within_target_on_both_sides(capsys):
    report = bench_json(capsys, "--scenario", "squats")  # its own 50 s: ten reps
    rows = by_side(report, "squats")
    assert set(rows) == {"left", "right"}
    for row in rows.values():
        assert row["calibrated_seeds"] == 1
        assert row["rmse_deg"] <= TARGET_RMSE_DEG
        assert row["rmse_deg"] <= row["max_deg"] and row["p95_deg"] <= row["max_deg"]
        assert 0 < row["missing_pct"] < 25  # 5 % of each of two sensors' packets lost
        assert row["target_met"] is True
    (run,) = report["runs"]
    assert all(abs(ppm) == 50 for ppm in run["clock_drift_ppm"].values())
    assert 2 < np.mean(list(run["packet_loss_pct"].values())) < 8
    assert report["conditions"]["loss_pct"] == 5
    assert report["targets_met"] is True


def test_table_lists_both_sides_and_a_verdict(capsys):
    code = main(["bench", "accuracy", "--scenario", "squats_restricted", "--seeds", "1",
                 "--drift-minutes", "0", "--check"])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert "RMSE deg" in out and "missing %" in out and "quality" in out
    rows = [line.split() for line in lines if line.startswith("squats_restricted")]
    assert [row[2] for row in rows] == ["left", "right"]
    assert all(float(row[3]) <= TARGET_RMSE_DEG for row in rows)
    assert lines[-1].startswith("targets met")


def test_running_without_loss_within_target(capsys):
    """Random mounting, IMU errors and ±50 ppm drift, but every packet arrives."""
    report = bench_json(capsys, "--scenario", "easy_run", "--duration", "60", "--loss-pct", "0")
    rows = by_side(report, "easy_run")
    assert set(rows) == {"left", "right"}
    assert all(row["rmse_deg"] <= TARGET_RMSE_DEG for row in rows.values())


def test_running_under_bench_conditions_within_target(capsys):
    """The first minute of the easy run with 5 % loss (measured 1.72 / 1.52 deg; longer and
    faster runs still miss in places: docs/accuracy.md)."""
    report = bench_json(capsys, "--scenario", "easy_run", "--duration", "60")
    assert all(row["rmse_deg"] <= TARGET_RMSE_DEG for row in by_side(report, "easy_run").values())


def test_fast_forefoot_with_a_clipping_shank_within_target(capsys):
    """The fastest run, whose left shank clips at 16 g in about 6 % of its rows, 3 seeds at the
    bench conditions (measured 1.64 / 1.33 deg; 2.27 left when the spline alone re-drew the
    clipped impacts)."""
    code = main(["bench", "accuracy", "--scenario", "fast_forefoot", "--drift-minutes", "0", "--json"])
    assert code == 0
    rows = by_side(json.loads(capsys.readouterr().out), "fast_forefoot")
    assert set(rows) == {"left", "right"}
    assert all(row["rmse_deg"] <= TARGET_RMSE_DEG for row in rows.values()), rows


def test_drift_table_blocks_and_figure(capsys):
    code = main(["bench", "accuracy", "--scenario", "squats", "--seeds", "1", "--duration", "20",
                 "--drift-minutes", "1", "--loss-pct", "0", "--json"])
    drift = json.loads(capsys.readouterr().out)["drift"]
    assert code == 0
    assert drift["scenario"] == "easy_run" and drift["duration_s"] == 60
    assert len(drift["blocks"]) == 6 and drift["block_s"] == 10
    for side in ("left", "right"):
        means = [block[side]["mean_deg"] for block in drift["blocks"]]
        assert drift["drift_deg"][side] == pytest.approx(max(abs(m - means[0]) for m in means), abs=2e-3)


def test_clock_drift_option_sets_every_sensor_clock(tmp_path):
    path = tmp_path / "drifting.toml"
    path.write_text('[scenario]\nkind = "squat"\n\n[firmware]\nclock_drift_ppm = 50\n\n'
                    '[firmware.left_foot]\nclock_drift_ppm = 120\n')
    session = simulate(load_scenario(path), seed=3, duration_s=10)
    drifts = {name: sensor.clock.drift_ppm for name, sensor in session.sensors.items()}
    assert drifts.pop("left_foot") in (120, -120)
    assert {abs(d) for d in drifts.values()} == {50}
    for sensor in session.sensors.values():
        # The sensor really samples on its drifting clock: the true sample period is stretched.
        period_s = np.polyfit(np.arange(len(sensor.samples.t)), sensor.samples.t, 1)[0]
        measured_ppm = (1.0 / (period_s * session.sample_rate_hz) - 1.0) * 1e6
        assert measured_ppm == pytest.approx(sensor.clock.drift_ppm, abs=1.0)


def test_clock_drift_default_and_bad_value():
    scenario = load_scenario("squats")
    drifts = [s.clock.drift_ppm for s in simulate(scenario, seed=0, duration_s=8).sensors.values()]
    assert len({abs(d) for d in drifts}) == 4  # drawn per sensor, N(0, 20 ppm)
    with pytest.raises(ValidationError, match="clock_drift_ppm"):
        simulate(dataclasses.replace(scenario, firmware={"clock_drift_ppm": -5}), duration_s=8)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--scenario", "no_such_scenario"], "no scenario 'no_such_scenario'"),
        (["--scenario", "squats", "--duration", "-5"], "--duration must be a positive"),
        (["--seeds", "0"], "--seeds must be at least 1"),
        (["--loss-pct", "100"], "--loss-pct must be"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_1(capsys, args, says):
    code = main(["bench", "accuracy", *args])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and says in captured.err
    assert "Traceback" not in captured.err
