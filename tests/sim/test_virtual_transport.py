"""Virtual sensors as a live transport: the same notifications a host would get, paced or not."""

import asyncio
import math

from anklet.protocol import decode_packet
from anklet.sim import VirtualSensorTransport, load_scenario, simulate
from anklet.transport import Transport


async def _drain(transport: Transport) -> list:
    async with transport:
        return [notification async for notification in transport.notifications()]


async def test_unpaced_delivery_is_the_session_exactly():
    session = simulate(load_scenario("easy_run"), seed=2, duration_s=6.0)
    expected = session.notifications()
    received = await _drain(VirtualSensorTransport(expected, speed=math.inf))
    assert received == expected
    assert {n.sensor for n in received} == set(session.sensors)
    times = [n.host_time_s for n in received]
    assert times == sorted(times)
    data = [decode_packet(n.payload) for n in received if n.channel == "data"]
    assert sum(packet.n_samples for packet in data) > 4 * 200 * 5


async def test_paced_delivery_keeps_time_and_lets_the_loop_run():
    session = simulate(load_scenario("easy_run"), seed=2, duration_s=4.0)
    expected = [n for n in session.notifications() if n.host_time_s < 2.0]
    ticks = 0

    async def heartbeat():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    beat = asyncio.create_task(heartbeat())
    loop = asyncio.get_running_loop()
    started = loop.time()
    received = await _drain(VirtualSensorTransport(expected, speed=10.0))
    elapsed = loop.time() - started
    beat.cancel()
    assert len(received) == len(expected)
    assert 0.15 <= elapsed < 1.0  # 2 s of session at 10x
    assert ticks >= 10  # the consumer side of the loop was never starved
    lateness = [got.host_time_s - sent.host_time_s for got, sent in zip(received, expected, strict=True)]
    assert min(lateness) >= -1e-9  # never early
    assert sorted(lateness)[len(lateness) // 2] < 0.1  # stamped with when it was handed over
