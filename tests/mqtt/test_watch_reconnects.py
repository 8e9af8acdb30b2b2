"""``anklet watch``'s subscriber comes back with the broker, and the stations' retained status
and flags come with it."""

from __future__ import annotations

import asyncio

import aiomqtt

from anklet.mqtt import broker_messages, encode, message_topic, parse_broker_url

STATUS = {"type": "status", "t": 3.0, "sensors": [], "calibrated": True, "state": "online"}
FLAG = {"type": "flag", "t": 4.0, "side": "left", "flag": "restricted_pf", "active": True, "evidence": {}}


async def _publish(port: int, message: dict, retain: bool) -> None:
    async with aiomqtt.Client("127.0.0.1", port) as client:
        await client.publish(message_topic("t1", "ann", message), encode(message), qos=1, retain=retain)


async def test_the_watch_comes_back_with_the_broker(own_broker):
    received: list[dict] = []
    messages = broker_messages(parse_broker_url(own_broker.url))

    async def watch() -> None:
        async for message in messages:
            received.append(message)

    watching = asyncio.create_task(watch())
    await asyncio.sleep(0.5)
    await _publish(own_broker.port, FLAG, retain=False)
    while not received:
        await asyncio.sleep(0.05)
    own_broker.kill()
    await asyncio.to_thread(own_broker.start)
    await _publish(own_broker.port, STATUS, retain=True)  # published while the watch may still be away
    async with asyncio.timeout(20):  # the backoff: 0.25-0.5 s, then 0.5-1 s, ...
        while len(received) < 2:
            await asyncio.sleep(0.05)
    watching.cancel()
    await asyncio.gather(watching, return_exceptions=True)
    assert [(m["type"], m["t"]) for m in received] == [("flag", 4.0), ("status", 3.0)]
    assert received[1]["station"] == "t1" and received[1]["state"] == "online"
