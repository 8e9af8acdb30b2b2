"""Faults a virtual peripheral injects for real on the virtual link, as unchanged bleak meets
them: withheld packets and jitter, link drops with reconnection, and a sensor reboot."""

import asyncio
import dataclasses

import numpy as np
import pytest
from bleak import BleakClient
from dbus_fast import Message
from dbus_fast.aio import MessageBus

from anklet.protocol import DATA_UUID, decode_packet
from anklet.sim import load_scenario, simulate
from anklet.sim.bluez import PeripheralFaults, VirtualFleet, dbus_daemon_path

pytestmark = pytest.mark.skipif(dbus_daemon_path() is None, reason="dbus-daemon is not installed, so no private bus")


@pytest.fixture(scope="module")
def session():
    return simulate(load_scenario("easy_run"), seed=11, duration_s=4.0)


def _missing_sequences(received: list[int], sent: np.ndarray) -> int:
    """Sequence numbers skipped between the first and last sent, as a host counts gaps."""
    bounded = np.concatenate(([int(sent[0]) - 1], received, [int(sent[-1]) + 1]))
    steps = np.diff(bounded)
    assert (steps >= 1).all(), "packets arrived out of order or twice"
    return int((steps - 1).sum())


def _sent_subsequence(received: list[bytes], firmware) -> list[bytes]:
    """The firmware's own payloads for the sequence numbers received (no reboot inside)."""
    index = {int(sequence): i for i, sequence in enumerate(firmware.data.sequence)}
    return [firmware.data.payloads[index[decode_packet(payload).sequence]] for payload in received]


async def _bluez_objects(bus_address: str) -> dict:
    """What the stand-in's object manager holds now, as bleak would read it."""
    bus = await MessageBus(bus_address=bus_address).connect()
    try:
        reply = await bus.call(
            Message(
                destination="org.bluez", path="/", interface="org.freedesktop.DBus.ObjectManager", member="GetManagedObjects"
            )
        )
        return reply.body[0]
    finally:
        bus.disconnect()


def _under(objects: dict, device_path: str, interface: str) -> list[str]:
    return [path for path, interfaces in objects.items() if path.startswith(device_path + "/") and interface in interfaces]


def test_withheld_packets_are_drawn_from_the_seed():
    faults = PeripheralFaults(loss_prob=0.02, burst_enter_prob=0.01, mean_burst_len=5.0, seed=4)
    first = faults.withheld(50_000, np.random.default_rng(faults.seed))
    again = faults.withheld(50_000, np.random.default_rng(faults.seed))
    other = faults.withheld(50_000, np.random.default_rng(faults.seed + 1))
    np.testing.assert_array_equal(first, again)
    assert (first != other).any()
    # random 2 % plus bursts of 5 entered at 1 % of the good packets: about 6.5 %
    assert 0.055 < first.mean() < 0.075


async def test_the_host_receives_exactly_what_was_not_withheld(session, scan, recorders):
    faults = PeripheralFaults(loss_prob=0.05, burst_enter_prob=0.02, mean_burst_len=4.0, jitter_mean_s=0.003, seed=2)
    async with VirtualFleet(session, speed=2.0, faults={"left_foot": faults}) as fleet:
        peripheral = fleet.peripherals["left_foot"]
        recorder = recorders["left_foot"]
        client = await recorder.subscribe((await scan())[fleet.serials["left_foot"]])
        await peripheral.wait_played()
        await recorder.received(peripheral.notified_packets_)
        await client.disconnect()
    firmware = peripheral.firmware
    sent = len(firmware.data.payloads)
    assert peripheral.withheld_packets_ > 0
    assert peripheral.lost_to_disconnect_ == 0
    assert len(recorder.payloads) == peripheral.notified_packets_ == sent - peripheral.withheld_packets_
    assert _missing_sequences(recorder.sequences(), firmware.data.sequence) == peripheral.withheld_packets_
    assert recorder.payloads == _sent_subsequence(recorder.payloads, firmware)


async def test_a_link_dropped_mid_stream_is_seen_by_bleak_and_comes_back(session, scan, recorders):
    down_s = 1.0
    faults = PeripheralFaults(disconnect_at_s=((1.0, down_s),))
    async with VirtualFleet(session, faults={"right_shank": faults}) as fleet:
        peripheral = fleet.peripherals["right_shank"]
        serial = fleet.serials["right_shank"]
        recorder = recorders["right_shank"]
        client = await recorder.subscribe((await scan())[serial])
        device_path = "/org/bluez/hci0/dev_" + fleet.addresses["right_shank"].replace(":", "_")  # BlueZ's naming
        assert _under(await _bluez_objects(fleet.bus_address), device_path, "org.bluez.GattService1")
        await asyncio.wait_for(recorder.disconnected.wait(), timeout=2.0)
        assert not client.is_connected and not peripheral.connected
        objects = await _bluez_objects(fleet.bus_address)
        assert objects[device_path]["org.bluez.Device1"]["Connected"].value is False
        assert not _under(objects, device_path, "org.bluez.GattService1")
        assert not _under(objects, device_path, "org.bluez.GattCharacteristic1")
        received_before = len(recorder.payloads)

        assert serial not in await scan(0.3)  # silent while its link is down
        client = await recorder.subscribe((await scan(1.0))[serial])
        await peripheral.wait_played()
        await recorder.received(peripheral.notified_packets_)
        await client.disconnect()
    firmware = peripheral.firmware
    assert peripheral.links_dropped_ == 1
    assert 0 < received_before < len(recorder.payloads)
    assert peripheral.withheld_packets_ == 0
    assert peripheral.lost_to_disconnect_ >= down_s * 50  # 200 Hz: 50 packets a second
    assert len(recorder.payloads) == peripheral.notified_packets_ == len(firmware.data.payloads) - peripheral.lost_to_disconnect_
    assert _missing_sequences(recorder.sequences(), firmware.data.sequence) == peripheral.lost_to_disconnect_
    assert recorder.payloads == _sent_subsequence(recorder.payloads, firmware)


async def test_a_killed_link_stays_down_then_reconnects_without_blocking_others(session, scan, recorders):
    async with VirtualFleet(session) as fleet:
        found = await scan()
        recorder = recorders["left_shank"]
        await recorder.subscribe(found[fleet.serials["left_shank"]])
        await asyncio.sleep(0.3)
        await fleet.peripherals["left_shank"].kill_link(down_s=1.5)
        await asyncio.wait_for(recorder.disconnected.wait(), timeout=1.0)
        received_before = len(recorder.payloads)

        with pytest.raises(TimeoutError):  # nothing answers while it is silent
            await BleakClient(found[fleet.serials["left_shank"]], timeout=0.5).connect()
        async with BleakClient(found[fleet.serials["right_foot"]], timeout=1.0) as other:
            assert other.is_connected  # the given-up attempt left the adapter free

        client = await recorder.subscribe((await scan(1.5))[fleet.serials["left_shank"]])
        await asyncio.sleep(0.5)
        await client.disconnect()
    sequences = recorder.sequences()
    assert len(recorder.payloads) > received_before + 10
    assert sequences == sorted(sequences)


async def test_a_sensor_reboot_plays_through(scan, recorders):
    scenario = load_scenario("easy_run")
    scenario = dataclasses.replace(
        scenario, per_sensor_firmware={"left_foot": {"reboot_at_s": (1.5,), "boot_duration_s": 0.4}}
    )
    session = simulate(scenario, seed=3, duration_s=3.0)
    async with VirtualFleet(session, speed=2.0) as fleet:
        peripheral = fleet.peripherals["left_foot"]
        recorder = recorders["left_foot"]
        client = await recorder.subscribe((await scan())[fleet.serials["left_foot"]])
        await peripheral.wait_played()
        await recorder.received(peripheral.notified_packets_)
        await client.stop_notify(DATA_UUID)
        await client.disconnect()
    assert recorder.payloads == peripheral.firmware.data.payloads
    packets = [decode_packet(payload) for payload in recorder.payloads]
    restart = [i for i in range(1, len(packets)) if packets[i].sequence < packets[i - 1].sequence]
    assert len(restart) == 1
    after = packets[restart[0]]
    assert after.sequence == 0 and after.clock_reset
    assert [i for i, packet in enumerate(packets) if packet.clock_reset] == restart
    assert after.tick_us < packets[restart[0] - 1].tick_us
