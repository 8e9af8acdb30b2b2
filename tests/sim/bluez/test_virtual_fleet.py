"""VirtualFleet: a simulated session's sensors, and extra devices, found and read by unchanged
bleak through the BlueZ stand-in on the fleet's private bus."""

import asyncio
import dataclasses
import os
import re
from pathlib import Path

import pytest
from bleak import BleakClient

from anklet.errors import AnkletError, ProtocolError, ValidationError
from anklet.protocol import DATA_UUID, INFO_UUID, PROTOCOL_VERSION, decode_info, decode_packet
from anklet.sim import load_scenario, simulate
from anklet.sim.bluez import ExtraPeripheral, PeripheralFaults, VirtualFleet, advertising_data, dbus_daemon_path

needs_dbus = pytest.mark.skipif(dbus_daemon_path() is None, reason="dbus-daemon is not installed, so no private bus")


@pytest.fixture(scope="module")
def session():
    return simulate(load_scenario("easy_run"), seed=5, duration_s=4.0)


@needs_dbus
async def test_four_sensors_are_found_by_serial_at_their_addresses(session, scan, monkeypatch):
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nowhere")
    async with VirtualFleet(session) as fleet:
        assert os.environ["DBUS_SYSTEM_BUS_ADDRESS"] == fleet.bus_address
        found = await scan()
        assert set(fleet.serials) == set(fleet.addresses) == set(fleet.peripherals) == set(session.sensors)
        assert len(set(fleet.serials.values())) == len(set(fleet.addresses.values())) == 4
        assert set(found) == set(fleet.serials.values())
        for name, serial in fleet.serials.items():
            assert found[serial].address == fleet.addresses[name] == fleet.peripherals[name].address
            assert fleet.peripherals[name].firmware is session.sensors[name].firmware
    assert os.environ["DBUS_SYSTEM_BUS_ADDRESS"] == "unix:path=/nowhere"


@needs_dbus
async def test_serials_and_addresses_follow_the_sensor_not_the_session(session):
    feet_only = dataclasses.replace(
        session, sensors={name: sensor for name, sensor in session.sensors.items() if name.endswith("foot")}
    )
    async with VirtualFleet(session) as full, VirtualFleet(feet_only) as feet:
        assert feet.serials == {name: full.serials[name] for name in feet_only.sensors}
        assert feet.addresses == {name: full.addresses[name] for name in feet_only.sensors}


@needs_dbus
async def test_an_unknown_device_advertises_like_any_sensor(session, scan):
    async with VirtualFleet(session, extra=[ExtraPeripheral("XY000042", plays="left_foot")]) as fleet:
        found = await scan()
        assert set(found) == {*fleet.serials.values(), "XY000042"}
        async with BleakClient(found["XY000042"]) as client:
            info = decode_info(await client.read_gatt_char(INFO_UUID))
        assert info.serial == "XY000042"
        assert fleet.extra_peripherals["XY000042"].address not in fleet.addresses.values()


@needs_dbus
async def test_a_wrong_protocol_version_is_what_the_sensor_says_everywhere(session, scan, recorders):
    newer = ExtraPeripheral("AK900001", plays="right_shank", protocol_version=PROTOCOL_VERSION + 1)
    async with VirtualFleet(session, speed=4.0, extra=[newer]) as fleet:
        device = (await scan())["AK900001"]
        recorder = recorders["newer"]
        client = await recorder.subscribe(device)
        try:
            with pytest.raises(ProtocolError) as refused:
                decode_info(await client.read_gatt_char(INFO_UUID))
            await fleet.extra_peripherals["AK900001"].wait_played()
            await client.stop_notify(DATA_UUID)
        finally:
            await client.disconnect()
    assert refused.value.reason == "unknown_version"
    assert f"version {PROTOCOL_VERSION + 1}" in str(refused.value)
    assert len(recorder.payloads) == len(session.sensors["right_shank"].firmware.data.payloads)
    for payload in recorder.payloads:
        with pytest.raises(ProtocolError, match="unknown_version"):
            decode_packet(payload)


def test_without_dbus_daemon_the_fleet_says_what_to_install(session, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))

    async def start():
        async with VirtualFleet(session):
            pass

    with pytest.raises(AnkletError, match="install the dbus package"):
        asyncio.run(start())


def test_faults_must_name_the_session_sensors(session):
    with pytest.raises(ValidationError, match="left_hand"):
        VirtualFleet(session, faults={"left_hand": PeripheralFaults()})
    with pytest.raises(ValidationError, match="serials must differ"):
        VirtualFleet(session, extra=[ExtraPeripheral("AK000001", plays="left_foot")])


@pytest.mark.parametrize(
    "bad, words",
    [
        ({"loss_prob": 1.5}, "loss_prob"),
        ({"mean_burst_len": 0.5}, "mean_burst_len"),
        ({"jitter_mean_s": -0.001}, "jitter_mean_s"),
        ({"disconnect_at_s": ((1.0, 0.0),)}, "duration_s > 0"),
        ({"disconnect_at_s": ((1.0, 2.0), (2.5, 1.0))}, "overlap"),
    ],
)
def test_faults_refuse_impossible_values(bad, words):
    with pytest.raises(ValidationError, match=words):
        PeripheralFaults(**bad)


def test_the_advertisement_is_the_one_protocol_md_shows():
    protocol = (Path(__file__).parents[3] / "firmware_protocol" / "PROTOCOL.md").read_text(encoding="utf-8")
    section = protocol.split("## Advertising", 1)[1].split("\n## ", 1)[0]
    example = re.search(r"serial `(\w+)`.*?`([0-9a-f ]+)`", section, re.DOTALL)
    assert advertising_data(example[1]) == bytes.fromhex(example[2])
    assert len(advertising_data("AK123456")) == 31
    with pytest.raises(ValidationError, match="at most 8"):
        advertising_data("AK1234567")
