"""``anklet assign`` as a user runs it: the real command in a subprocess, tapping virtual BLE
sensors (through unchanged bleak and the BlueZ stand-in on a private D-Bus bus) as a scenario
says, and writing the session config ``anklet live --config`` reads."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from anklet.cli import main
from anklet.cli._assign import follow_taps
from anklet.geometry import SENSOR_NAMES
from anklet.sim import load_scenario, simulate
from anklet.sim.bluez import VirtualFleet, dbus_daemon_path, fleet_serial
from anklet.transport import NotTappedError, RoleAssignment, load_session_config

needs_bus = pytest.mark.skipif(dbus_daemon_path() is None, reason="dbus-daemon is not installed, so no private D-Bus bus")

ANKLET = [sys.executable, "-m", "anklet"]


def _serial_playing(role: str) -> str:
    """The serial ``VirtualFleet`` gives the sensor that plays ``role`` in a scenario."""
    return fleet_serial(SENSOR_NAMES.index(role) + 1)


@needs_bus
def test_assign_virtual_gives_each_role_the_sensor_tapped_for_it(tmp_path):
    out = tmp_path / "session.toml"
    out.write_text("# an old config\n")
    result = subprocess.run(
        [*ANKLET, "assign", "--virtual", "--out", str(out), "--force", "--station", "treadmill-2", "--athlete", "ann"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    config = load_session_config(out)
    assert config.sensors == {role: _serial_playing(role) for role in SENSOR_NAMES}
    assert (config.station, config.athlete) == ("treadmill-2", "ann")
    lines = result.stdout.splitlines()
    said = [line for line in lines if line.startswith("tap the") or "->" in line or "already" in line]
    assert said == [
        "tap the left shank sensor", "AK000001 -> left_shank",
        "tap the left foot sensor", "AK000001 is already the left shank (tap ignored)",  # tap_roles taps it twice
        "tap the left foot sensor", "AK000002 -> left_foot",
        "tap the right shank sensor", "AK000003 -> right_shank",
        "tap the right foot sensor", "AK000004 -> right_foot",
    ]
    assert lines[-1] == f"wrote {out}; use it with: anklet live --config {out}"
    assert result.stderr == ""


@needs_bus
def test_a_role_nobody_taps_in_time_ends_in_one_sentence_and_writes_nothing(tmp_path):
    """The right foot is tapped first, then the left shank, then nobody: the left shank's role
    goes to the right foot's sensor, the left foot's to the left shank's, the right shank waits."""
    scenario = tmp_path / "two_taps.toml"
    scenario.write_text(
        '[scenario]\nkind = "squat"\nduration_s = 6\n\n[motion]\nreps = 0\n\n'
        '[[taps]]\nt_s = 1.0\nsensor = "right_foot"\n\n[[taps]]\nt_s = 2.5\nsensor = "left_shank"\n'
    )
    out = tmp_path / "session.toml"
    result = subprocess.run(
        [*ANKLET, "assign", "--virtual", str(scenario), "--out", str(out), "--timeout", "3"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert f"{_serial_playing('right_foot')} -> left_shank" in result.stdout
    assert f"{_serial_playing('left_shank')} -> left_foot" in result.stdout
    assert result.stdout.splitlines()[-1] == "tap the right shank sensor"
    assert result.stderr == (
        "anklet: no tap on the right shank sensor within 3 s; tap its housing once, sharply, "
        "while the athlete stands still\n"
    )
    assert not out.exists()


class _SilentSensors:
    """A transport whose sensors connected and then fell silent."""

    def __init__(self) -> None:
        self._start_s = asyncio.get_running_loop().time()

    def session_time_s(self) -> float:
        return asyncio.get_running_loop().time() - self._start_s

    async def notifications(self):
        await asyncio.Event().wait()  # nothing, ever
        yield


async def test_a_role_waits_no_longer_than_its_timeout_when_the_sensors_fall_silent():
    transport, said = _SilentSensors(), []
    assignment = RoleAssignment(["AK000001", "AK000002"], timeout_s=0.2)
    assignment.begin(transport.session_time_s())
    with pytest.raises(NotTappedError, match="left shank sensor within 0.2 s"):
        await asyncio.wait_for(follow_taps(transport, assignment, said.append), 20.0)  # not forever
    assert said == []


@needs_bus
async def test_assign_a_sensor_not_in_range_says_which(tmp_path):
    async with VirtualFleet(simulate(load_scenario("tap_roles"), seed=0, duration_s=6.0)) as fleet:
        result = await asyncio.to_thread(  # in a thread, while this loop serves the fleet
            subprocess.run,
            [*ANKLET, "assign", fleet.serials["left_shank"], "AK123456", "--out", str(tmp_path / "s.toml"), "--scan-timeout", "1"],
            capture_output=True, text=True, timeout=60,
        )
    assert result.returncode == 1
    assert result.stderr.startswith("anklet: no advertisement from AK123456") and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "s.toml").exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["AK000001", "AK000001"], "anklet: sensor 'AK000001' is given twice; name each sensor once"),
        (["AK000001", "a serial far too long"], "anklet: 'a serial far too long' is neither a serial"),
        (["AK1", "AK2", "AK3", "AK4", "AK5"], "anklet: give 1 to 4 sensors to assign"),
        ([], "anklet: name the sensors to assign"),
        (["AK000001", "--virtual"], "anklet: name the sensors to assign"),
    ],
)
def test_bad_sensors_are_refused_before_connecting(tmp_path, capsys, args, says):
    assert main(["assign", *args, "--out", str(tmp_path / "s.toml")]) == 1
    stderr = capsys.readouterr().err
    assert stderr.startswith(says) and len(stderr.splitlines()) == 1
    assert not (tmp_path / "s.toml").exists()


def test_a_config_into_a_missing_folder_is_refused_before_connecting(tmp_path, capsys):
    assert main(["assign", "AK000001", "--out", str(tmp_path / "nowhere" / "s.toml")]) == 1
    assert capsys.readouterr().err == f"anklet: cannot write {tmp_path / 'nowhere' / 's.toml'}: there is no folder {tmp_path / 'nowhere'}\n"


def test_an_existing_config_is_kept_without_force(tmp_path, capsys):
    out = tmp_path / "session.toml"
    out.write_text("# the config of yesterday\n")
    assert main(["assign", "AK000001", "--out", str(out)]) == 1
    assert capsys.readouterr().err == f"anklet: {out} exists; give --force to overwrite it\n"
    assert out.read_text() == "# the config of yesterday\n"
