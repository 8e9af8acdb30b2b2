"""A whole simulated session: every shipped scenario runs, outputs follow the contracts, and a
seed fixes everything."""

import csv
import json
import math

import numpy as np
import pytest

from anklet.cli import main
from anklet.files import angle_columns, imu_columns
from anklet.protocol import decode_packets
from anklet.sim import available_scenarios, load_scenario, simulate

EXPECTED_SCENARIOS = {
    "easy_run", "restricted_pf_right", "asymmetric_fatigue", "fast_forefoot", "squats",
    "squats_restricted", "knee_to_wall", "tall_kneeling", "split_squat", "chaos", "walking", "walking_hallway",
}


def test_the_documented_scenarios_are_shipped():
    assert EXPECTED_SCENARIOS <= set(available_scenarios())


@pytest.mark.parametrize("name", sorted(EXPECTED_SCENARIOS))
def test_every_scenario_simulates_from_quiet_standing(name):
    session = simulate(load_scenario(name), seed=1, duration_s=12.0)
    assert set(session.sensors) == {"left_shank", "left_foot", "right_shank", "right_foot"}
    table = session.imu_table()
    standing = (table.t > 0.5) & (table.t < 3.0)
    for sensor in table.sensors:
        magnitude = np.linalg.norm(table.acc[sensor][standing], axis=1)
        assert np.nanmedian(magnitude) == pytest.approx(9.81, abs=0.4)  # bias + scale error
        assert np.nanmax(np.linalg.norm(table.gyr[sensor][standing], axis=1)) < 0.1
    for angles in session.truth_angles_on_grid().values():
        assert np.abs(np.degrees(angles[standing])).max() < 0.01


def test_received_samples_match_the_decoded_packets():
    session = simulate(load_scenario("chaos"), seed=3, duration_s=20.0)
    sensor = session.sensors["left_shank"]
    payloads = [n.payload for n in sensor.delivery.notifications if n.channel == "data"]
    batch = decode_packets(payloads)
    unique_sequences = len(set(batch.sequence.tolist()))
    stats = sensor.delivery.stats
    lost = stats.packets_lost_random + stats.packets_lost_burst + stats.packets_lost_disconnect
    assert unique_sequences == stats.packets_sent - lost
    table = session.imu_table()
    missing = np.isnan(table.acc["left_shank"][:, 0]).sum()
    # each gap also blanks the one grid point that straddles its edge
    assert stats.samples_lost <= missing <= 1.3 * stats.samples_lost + 5


def test_simulate_writes_the_contract_files(tmp_path):
    assert main(["simulate", "easy_run", "--out", str(tmp_path), "--duration", "15", "--seed", "4"]) == 0
    with open(tmp_path / "imu.csv") as handle:
        header = next(csv.reader(handle))
    sensors = ["left_shank", "left_foot", "right_shank", "right_foot"]
    assert header == ["t"] + [column for sensor in sensors for column in imu_columns(sensor)]
    with open(tmp_path / "truth_angles.csv") as handle:
        assert next(csv.reader(handle)) == ["t", *angle_columns()]
    with open(tmp_path / "truth_events.csv") as handle:
        events = list(csv.DictReader(handle))
    assert {row["event"] for row in events} == {"IC", "TO", "MS"}
    assert {row["side"] for row in events} == {"left", "right"}
    with open(tmp_path / "truth_strides.csv") as handle:
        strides = list(csv.DictReader(handle))
    assert len(strides) > 10
    assert all(-30 < float(row["ankle_angle_at_to_deg"]) < -10 for row in strides)
    summary = json.loads((tmp_path / "truth_summary.json").read_text())
    assert summary["flags"] == []
    assert 150 < summary["sides"]["left"]["cadence_spm"] < 190


def test_the_same_seed_gives_the_same_files_and_another_seed_does_not(tmp_path):
    for out, seed in (("a", 7), ("b", 7), ("c", 8)):
        assert main(["simulate", "squats", "--out", str(tmp_path / out), "--duration", "8", "--seed", str(seed)]) == 0
    first = (tmp_path / "a" / "imu.csv").read_bytes()
    assert first == (tmp_path / "b" / "imu.csv").read_bytes()
    assert first != (tmp_path / "c" / "imu.csv").read_bytes()


def test_restricted_scenario_truth_names_the_restricted_side():
    session = simulate(load_scenario("restricted_pf_right"), seed=0, duration_s=40.0)
    flags = {(flag["side"], flag["flag"]) for flag in session.motion.truth.flags}
    assert ("right", "restricted_pf") in flags
    assert ("left", "restricted_pf") not in flags


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["simulate", "no_such_scenario", "--out", "{tmp}"], "no scenario"),
        (["simulate", "{tmp}/typo.toml", "--out", "{tmp}"], "sped_mps"),
        (["simulate", "{tmp}/broken.toml", "--out", "{tmp}"], "not valid TOML"),
        (["simulate", "{tmp}/kind.toml", "--out", "{tmp}"], "known kinds"),
    ],
)
def test_bad_scenarios_get_one_sentence(tmp_path, capsys, argv, words):
    (tmp_path / "typo.toml").write_text('[scenario]\nkind = "running"\n[motion]\nsped_mps = 3\n')
    (tmp_path / "broken.toml").write_text("[scenario\nkind=")
    (tmp_path / "kind.toml").write_text('[scenario]\nkind = "swimming"\n')
    assert main([arg.format(tmp=tmp_path) for arg in argv]) == 1
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err and "Traceback" not in err


def test_truth_toe_off_angles_drift_with_fatigue():
    session = simulate(load_scenario("asymmetric_fatigue"), seed=0, duration_s=600.0)
    left = [(s.to_t, s.ankle_angle_at_to_deg) for s in session.motion.truth.strides if s.side == "left"]
    t, angle = np.array(left).T
    slope_deg_per_h = np.polyfit(t, angle, 1)[0] * 3600
    assert slope_deg_per_h == pytest.approx(36, abs=8)
    assert not math.isnan(slope_deg_per_h)
