"""Unchanged bleak (its BlueZ backend) against virtual anklet sensors: bumble peripherals on a
virtual link, reached through the BlueZ stand-in on a private dbus-daemon."""

import asyncio
from contextlib import AsyncExitStack

import pytest
from bleak import BleakClient, BleakScanner
from bumble.link import LocalLink

from anklet.protocol import (
    CONTROL_UUID,
    DATA_UUID,
    INFO_UUID,
    SERVICE_UUID,
    STATUS_UUID,
    DeviceInfo,
    Opcode,
    decode_command,
    decode_info,
    decode_status,
    encode_command,
)
from anklet.sim import load_scenario, simulate
from anklet.sim.bluez import BlueZStandIn, VirtualPeripheral, dbus_daemon_path, private_bus

pytestmark = pytest.mark.skipif(
    dbus_daemon_path() is None, reason="dbus-daemon is not installed, so no private D-Bus bus"
)

SENSORS = ("left_shank", "left_foot", "right_foot")
STREAM_S = 2.0
PACKETS_PER_S = 50  # 200 Hz, 4 samples per packet (PROTOCOL.md, bandwidth table)


def _info(index: int) -> DeviceInfo:
    return DeviceInfo(serial=f"AK{index:06d}", hardware_revision="rev-b", firmware_revision="1.4.2")


@pytest.fixture
async def sensors(monkeypatch):
    """Three virtual sensors on a private bus and stand-in; bleak is pointed at that bus."""
    session = simulate(load_scenario("easy_run"), seed=3, duration_s=STREAM_S + 3.0)
    link = LocalLink()
    async with AsyncExitStack() as stack:
        bus_address = await stack.enter_async_context(private_bus())
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", bus_address)
        await stack.enter_async_context(BlueZStandIn(bus_address, link))
        peripherals = {}
        for index, name in enumerate(SENSORS, start=1):
            peripherals[name] = await stack.enter_async_context(
                VirtualPeripheral(link, f"C0:A1:E9:00:00:{index:02X}", _info(index), session.sensors[name].firmware)
            )
        yield peripherals


async def _discover() -> dict[str, tuple]:
    found = await BleakScanner.discover(timeout=0.5, service_uuids=[SERVICE_UUID], return_adv=True)
    return {advertisement.local_name: (device, advertisement) for device, advertisement in found.values()}


async def test_scanning_finds_every_sensor_by_service_uuid(sensors):
    found = await _discover()
    assert set(found) == {peripheral.info.serial for peripheral in sensors.values()}
    for name, peripheral in sensors.items():
        device, advertisement = found[peripheral.info.serial]
        assert device.address == peripheral.address
        assert device.name == peripheral.info.serial
        assert SERVICE_UUID in advertisement.service_uuids
        assert advertisement.rssi < 0


async def test_scanning_for_another_service_finds_nothing(sensors):
    found = await BleakScanner.discover(timeout=0.3, service_uuids=["0000180d-0000-1000-8000-00805f9b34fb"])
    assert found == []


async def test_two_sensors_stream_their_firmware_packets_in_order(sensors):
    found = await _discover()
    chosen = [sensors["left_shank"], sensors["right_foot"]]
    received: dict[str, list[bytes]] = {peripheral.info.serial: [] for peripheral in chosen}
    async with AsyncExitStack() as stack:
        clients = []
        for peripheral in chosen:  # one connection attempt at a time, as BlueZ wants
            client = BleakClient(found[peripheral.info.serial][0])
            clients.append(await stack.enter_async_context(client))
        for client, peripheral in zip(clients, chosen, strict=True):
            assert client.is_connected
            assert decode_info(await client.read_gatt_char(INFO_UUID)) == peripheral.info
            packets = received[peripheral.info.serial]
            await client.start_notify(DATA_UUID, lambda _char, data, packets=packets: packets.append(bytes(data)))
        statuses: list[bytes] = []
        await clients[0].start_notify(STATUS_UUID, lambda _char, data: statuses.append(bytes(data)))
        await asyncio.sleep(STREAM_S)
        for client in clients:
            await client.stop_notify(DATA_UUID)
    assert not any(client.is_connected for client in clients)

    # status messages every 1 s of the session, from the first data packet's time on
    firmware = chosen[0].firmware
    later = firmware.status.send_time_s >= firmware.data.send_time_s[0]
    expected_statuses = [payload for payload, keep in zip(firmware.status.payloads, later, strict=True) if keep]
    assert 1 <= len(statuses) and statuses == expected_statuses[: len(statuses)]

    for peripheral in chosen:
        packets = received[peripheral.info.serial]
        assert len(packets) >= 0.8 * STREAM_S * PACKETS_PER_S
        assert packets == peripheral.firmware.data.payloads[: len(packets)]


async def test_status_reads_and_commands_reach_the_sensor(sensors):
    peripheral = sensors["left_foot"]
    device, _ = (await _discover())[peripheral.info.serial]
    async with BleakClient(device) as client:
        status = decode_status(await client.read_gatt_char(STATUS_UUID))
        assert status.sample_rate_hz == 200
        await client.write_gatt_char(CONTROL_UUID, encode_command(Opcode.IDENTIFY), response=True)
        assert [decode_command(payload).opcode for payload in peripheral.commands_] == [Opcode.IDENTIFY]
        characteristics = {char.uuid for char in client.services.get_service(SERVICE_UUID).characteristics}
    assert characteristics == {DATA_UUID, CONTROL_UUID, STATUS_UUID, INFO_UUID}
