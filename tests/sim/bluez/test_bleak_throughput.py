"""Four virtual sensors at 1 kHz through unchanged bleak for 10 s: every data packet arrives,
in order, byte for byte. Speed figures belong in benchmarks; this checks nothing is lost."""

from contextlib import AsyncExitStack

import pytest

from anklet.sim import load_scenario, simulate
from anklet.sim.bluez import VirtualFleet, dbus_daemon_path

pytestmark = pytest.mark.skipif(dbus_daemon_path() is None, reason="dbus-daemon is not installed, so no private bus")

STREAM_S = 10.0


async def test_four_sensors_at_1khz_deliver_every_packet_in_order(scan, recorders):
    session = simulate(load_scenario("fast_forefoot"), seed=0, duration_s=STREAM_S)
    assert session.sample_rate_hz == 1000
    async with VirtualFleet(session) as fleet:
        found = await scan()
        async with AsyncExitStack() as clients:
            for name, serial in fleet.serials.items():  # one connect at a time, as BlueZ wants
                client = await recorders[name].subscribe(found[serial])
                clients.push_async_callback(client.disconnect)
            for peripheral in fleet.peripherals.values():
                await peripheral.wait_played()
            for name, peripheral in fleet.peripherals.items():
                await recorders[name].received(len(peripheral.firmware.data.payloads))
    assert set(recorders) == set(session.sensors)
    for name, peripheral in fleet.peripherals.items():
        assert len(peripheral.firmware.data.payloads) > 0.9 * STREAM_S * 1000 / 19
        assert peripheral.notified_packets_ == len(peripheral.firmware.data.payloads)
        assert recorders[name].payloads == peripheral.firmware.data.payloads
