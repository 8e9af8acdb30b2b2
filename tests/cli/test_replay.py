"""``anklet demo --record`` and ``anklet replay``: a replay at max speed gives the session's
own messages, strides and flags included, whether the session ran at max speed or paced
(``tests/replayed.py`` says how exactly)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from replayed import assert_same_session

from anklet.cli import main
from anklet.recording import COMPACT_STEPS, read_recording


def _messages(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.parametrize(
    ("scenario", "duration", "speed", "compact"),
    [("restricted_pf_right", "40", "max", False), ("easy_run", "26", "12", False), ("easy_run", "26", "12", True)],
    ids=["recorded-at-max", "recorded-paced", "recorded-compact-paced"],
)
def test_a_replay_gives_the_messages_the_session_gave(tmp_path, capsys, scenario, duration, speed, compact):
    path, again = tmp_path / "session.mcap", tmp_path / "again.mcap"
    assert main(["demo", "--scenario", scenario, "--duration", duration, "--headless", "--speed", speed,
                 "--record", str(path), *(["--compact"] if compact else [])]) == 0
    live = capsys.readouterr().out
    assert main(["replay", str(path), "--headless", "--speed", "max", "--record", str(again)]) == 0
    replayed = capsys.readouterr().out
    kinds = {m["type"] for m in _messages(live)}
    assert {"stride", "event", "angles", "status"} <= kinds
    if scenario == "restricted_pf_right":
        assert "flag" in kinds
    assert_same_session(_messages(live), _messages(replayed))
    # the replay, recorded, is the same session again
    original, recorded_again = read_recording(path), read_recording(again)
    assert recorded_again.complete and recorded_again.session.source.startswith("anklet replay")
    assert recorded_again.notifications == original.notifications
    assert recorded_again.calibration == original.calibration is not None
    # a compact session's replay is recorded compact again, with the same codes
    assert recorded_again.session.sample_steps == original.session.sample_steps == (COMPACT_STEPS if compact else None)


def test_replay_of_a_cut_off_recording_says_so_and_plays_what_it_has(tmp_path, capsys):
    path = tmp_path / "session.mcap"
    assert main(["demo", "--duration", "12", "--headless", "--speed", "max", "--record", str(path)]) == 0
    capsys.readouterr()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    assert main(["replay", str(path), "--headless", "--speed", "max"]) == 0
    captured = capsys.readouterr()
    assert "note:" in captured.err and "not a finished recording" in captured.err
    assert 5 < _messages(captured.out)[-1]["t"] < 10


@pytest.mark.parametrize(
    ("content", "says"),
    [(b"", "is empty"), (b"t,left_foot_acc_x\n0,1\n", "not an MCAP file")],
)
def test_replay_of_a_bad_file_is_one_sentence(tmp_path, capsys, content, says):
    path = tmp_path / "bad.mcap"
    path.write_bytes(content)
    assert main(["replay", str(path), "--headless"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("anklet: ") and says in err and err.count("\n") == 1


def test_record_into_a_missing_folder_is_refused_before_the_session(tmp_path, capsys):
    assert main(["demo", "--headless", "--record", str(tmp_path / "nowhere" / "r.mcap")]) == 1
    assert "there is no folder" in capsys.readouterr().err


def test_compact_without_a_recording_is_refused_in_one_sentence(capsys):
    assert main(["demo", "--headless", "--compact"]) == 1
    err = capsys.readouterr().err
    assert "--compact says how to record: give --record FILE too" in err and "Traceback" not in err


HEALTH_KEYS = {"serial", "address", "rssi_dbm", "mtu", "reconnects", "last_seen_s"}  # what only BLE knew live


def _without_health(message: dict) -> dict:
    if message["type"] != "status":
        return message
    return {**message, "sensors": [{k: v for k, v in s.items() if k not in HEALTH_KEYS} for s in message["sensors"]]}


def test_a_ble_session_recorded_live_replays_to_the_same_messages(tmp_path, capsys):
    """``live --virtual chaos`` (bleak, virtual peripherals, the scenario's loss) recorded and
    replayed at max: the same events and statuses, loss included, less the BLE host's health."""
    path = tmp_path / "live.mcap"
    result = subprocess.run(
        [sys.executable, "-m", "anklet", "live", "--virtual", "chaos", "--duration", "15", "--headless",
         "--record", str(path)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    live = _messages(result.stdout)
    recording = read_recording(path)
    assert recording.complete and recording.session.source.startswith("virtual BLE sensors")
    assert {info["serial"] for info in recording.session.sensor_info.values()} == {f"AK00000{i}" for i in range(1, 5)}
    assert main(["replay", str(path), "--headless", "--speed", "max"]) == 0
    replayed = _messages(capsys.readouterr().out)
    assert {m["type"] for m in live} >= {"status", "event"}
    assert any(sensor["loss_pct"] > 0 for m in live if m["type"] == "status" for sensor in m["sensors"])
    assert_same_session([_without_health(m) for m in live], replayed)
