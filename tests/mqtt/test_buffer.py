"""The outbound buffer: stream data loses its oldest when full (counted), what happened is
kept, and messages leave in the order they came."""

from __future__ import annotations

import asyncio

from anklet.mqtt import OutboundBuffer


def _angles(t: float) -> dict:
    return {"type": "angles", "t": t}


def _flag(t: float) -> dict:
    return {"type": "flag", "t": t}


async def _all(buffer: OutboundBuffer) -> list[dict]:
    buffer.close()
    out = []
    while (item := await buffer.get()) is not None:
        out.append(item[0])
    return out


async def test_stream_data_drops_oldest_first_and_events_are_kept():
    buffer = OutboundBuffer(stream_size=3, kept_size=100)
    for i in range(10):
        buffer.put(_angles(i))
        if i % 3 == 0:
            buffer.put(_flag(i))
    assert buffer.counters() == {"buffered": 3 + 4, "dropped_stream": 7, "dropped_kept": 0}
    assert [(m["type"], m["t"]) for m in await _all(buffer)] == [
        ("flag", 0), ("flag", 3), ("flag", 6), ("angles", 7), ("angles", 8), ("angles", 9), ("flag", 9)
    ]


async def test_a_huge_backlog_of_events_loses_its_oldest_counted():
    buffer = OutboundBuffer(stream_size=3, kept_size=5)
    for i in range(8):
        buffer.put(_flag(i))
    assert buffer.dropped_kept_ == 3
    assert [m["t"] for m in await _all(buffer)] == [3, 4, 5, 6, 7]


async def test_a_message_put_back_leaves_first_again():
    buffer = OutboundBuffer(stream_size=3, kept_size=5)
    buffer.put(_flag(1))
    buffer.put(_angles(2))
    message, order = await buffer.get()
    buffer.put(_angles(3))
    buffer.put_back(message, order)
    assert [m["t"] for m in await _all(buffer)] == [1, 2, 3]


async def test_get_waits_for_a_message():
    buffer = OutboundBuffer(stream_size=3, kept_size=5)
    waiting = asyncio.create_task(buffer.get())
    await asyncio.sleep(0.01)
    assert not waiting.done()
    buffer.put(_flag(1))
    assert (await waiting)[0]["t"] == 1
