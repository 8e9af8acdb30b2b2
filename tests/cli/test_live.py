"""``anklet live``, ``anklet scan`` and ``anklet demo --ble`` as a user runs them: the real
command in a subprocess, reaching virtual BLE sensors through unchanged bleak and the BlueZ
stand-in on a private D-Bus bus."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from anklet.sim import load_scenario, simulate
from anklet.sim.bluez import VirtualFleet, dbus_daemon_path

pytestmark = pytest.mark.skipif(dbus_daemon_path() is None, reason="dbus-daemon is not installed, so no private D-Bus bus")

ANKLET = [sys.executable, "-m", "anklet"]


async def _anklet(*args: str, timeout_s: float = 60.0) -> subprocess.CompletedProcess:
    """Run the command with this process's environment (DBUS_SYSTEM_BUS_ADDRESS: a fleet's bus)
    while this loop keeps serving the fleet."""
    process = await asyncio.create_subprocess_exec(
        *ANKLET, *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ)
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout_s)
    return subprocess.CompletedProcess(args, process.returncode, stdout.decode(), stderr.decode())


@pytest.fixture
async def fleet():
    async with VirtualFleet(simulate(load_scenario("easy_run"), seed=4, duration_s=12.0)) as fleet:
        yield fleet


async def test_scan_lists_every_sensor_in_range(fleet):
    result = await _anklet("scan", "--timeout", "1")
    assert result.returncode == 0, result.stderr
    for name, serial in fleet.serials.items():
        line = next((line for line in result.stdout.splitlines() if line.startswith(serial)), None)
        assert line is not None, (name, result.stdout)
        assert fleet.addresses[name] in line and "dBm" in line


async def test_live_with_a_config_naming_an_absent_sensor_says_which(fleet, tmp_path):
    config = tmp_path / "session.toml"
    config.write_text(f'[sensors]\nleft_shank = "{fleet.serials["left_shank"]}"\nleft_foot = "AK123456"\n')
    result = await _anklet("live", "--config", str(config), "--scan-timeout", "1", "--headless")
    assert result.returncode == 1
    assert "AK123456" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_live_with_a_missing_config_says_so(tmp_path):
    result = subprocess.run([*ANKLET, "live", "--config", str(tmp_path / "none.toml")], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip() == f"anklet: session config {tmp_path / 'none.toml'} does not exist"


def test_live_virtual_streams_a_run_through_bleak():
    """25 s of a run (calibration needs the first ~20): angles, strides and status messages,
    each sensor's status carrying what the BLE host knows of it."""
    result = subprocess.run(
        [*ANKLET, "live", "--virtual", "easy_run", "--duration", "25", "--headless"],
        capture_output=True, text=True, timeout=90,
    )
    assert result.returncode == 0, result.stderr
    messages = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = {message["type"] for message in messages}
    assert {"angles", "status", "event", "stride"} <= kinds, kinds
    assert any(message["type"] == "angles" and message["left"]["dorsiflexion_deg"] is not None for message in messages)
    last_status = [message for message in messages if message["type"] == "status"][-1]
    assert {sensor["name"] for sensor in last_status["sensors"]} == {"left_shank", "left_foot", "right_shank", "right_foot"}
    for sensor in last_status["sensors"]:
        assert sensor["connected"] and sensor["rssi_dbm"] < 0 and sensor["mtu"] >= 23, sensor


def test_demo_ble_refuses_another_pace():
    result = subprocess.run([*ANKLET, "demo", "--ble", "--speed", "max"], capture_output=True, text=True)
    assert result.returncode == 1
    assert "--ble streams in real time" in result.stderr


async def test_live_with_a_shank_and_foot_swapped_in_the_config_says_so(tmp_path):
    """The config names the right leg's shank sensor as its foot and the other way round: once
    calibration has its window (about 25 s in), the session ends with the swap check's sentence."""
    async with VirtualFleet(simulate(load_scenario("easy_run"), seed=4, duration_s=40.0)) as fleet:
        roles = {"right_shank": "right_foot", "right_foot": "right_shank"}
        config = tmp_path / "session.toml"
        config.write_text("[sensors]\n" + "".join(
            f'{roles.get(name, name)} = "{serial}"\n' for name, serial in fleet.serials.items()))
        result = await _anklet("live", "--config", str(config), "--activity", "running", "--duration", "40",
                               "--scan-timeout", "2", "--headless", timeout_s=90.0)
    assert result.returncode == 1
    assert result.stderr.startswith("anklet: right_shank and right_foot look swapped: ")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_live_virtual_injects_the_scenarios_loss():
    """chaos asks for 5 % random loss and bursts (0.2 % of packets start one, 6 packets long):
    about 6.1 % of each sensor's packets never arrive, and the status messages say so (the
    session without the scenario's faults loses none)."""
    expected_pct = 100 * (1 - (1 - 0.05) * (1 - 0.002 * 6 / (1 + 0.002 * 6)))
    result = subprocess.run(
        [*ANKLET, "live", "--virtual", "chaos", "--duration", "15", "--headless"], capture_output=True, text=True, timeout=90
    )
    assert result.returncode == 0, result.stderr
    # the peripherals re-advertise as the session closes their links; powering off then must
    # not cut bumble's HCI commands short (it logged an InvalidStateError from its callback)
    assert result.stderr == ""
    statuses = [message for message in map(json.loads, result.stdout.splitlines()) if message["type"] == "status"]
    loss_pct = [sensor["loss_pct"] for sensor in statuses[-1]["sensors"]]
    assert len(loss_pct) == 4 and all(2.0 < pct < 12.0 for pct in loss_pct), loss_pct
    assert sum(loss_pct) / 4 == pytest.approx(expected_pct, abs=2.0)


def test_a_session_whose_link_dropped_ends_without_noise(tmp_path):
    """demo --ble with the left foot's link dropped at 3 s for 1 s: the sensor comes back and the
    session ends with nothing on stderr but the supervisor's warning (the lost client's own
    D-Bus connection, left open, logged "Future exception was never retrieved ... EOFError"
    once the private dbus-daemon had gone)."""
    scenario = tmp_path / "drop.toml"
    scenario.write_text(
        (Path(__file__).parents[2] / "simulator" / "easy_run.toml").read_text() + "\n[link.left_foot]\ndisconnects = [[3.0, 1.0]]\n"
    )
    result = subprocess.run(
        [*ANKLET, "demo", "--ble", "--scenario", str(scenario), "--headless", "--duration", "8"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["WARNING:anklet.transport._supervisor:left_foot: link lost; reconnecting"]
    statuses = [message for message in map(json.loads, result.stdout.splitlines()) if message["type"] == "status"]
    left_foot = next(sensor for sensor in statuses[-1]["sensors"] if sensor["name"] == "left_foot")
    assert left_foot["reconnects"] == 1 and left_foot["connected"]
