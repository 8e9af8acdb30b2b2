"""The broker killed and started again mid-session: the session shows exactly what it shows
without a broker, the publisher buffers (stream data dropped oldest first, counted), reconnects,
and the flags raised while the broker was gone still reach a subscriber."""

from __future__ import annotations

import asyncio
import json
import math
import time

import aiomqtt

from anklet.cli._live import session_pipeline
from anklet.cli._readout import stream
from anklet.gait import load_athlete
from anklet.mqtt import STREAM_TYPES, AngleDecimator, Publication, PublisherParams, decode, parse_broker_url
from anklet.sim import load_scenario, simulate
from anklet.sim._virtual import VirtualSensorTransport

STREAM_BUFFER = 30
PARAMS = PublisherParams(stream_buffer=STREAM_BUFFER, backoff_first_s=0.2, backoff_max_s=1.0)
KILL_AT_S, RESTART_AT_S = 8.0, 30.0  # session time (shown status) when the broker goes and comes back


def _pipeline(session):
    return session_pipeline(list(session.sensors), session.sample_rate_hz, load_athlete(), session.scenario.kind)


async def _shown(session) -> list[dict]:
    shown: list[dict] = []
    pipeline = _pipeline(session)
    transport = VirtualSensorTransport(session.notifications(), speed=math.inf)
    await stream(pipeline, lambda: pipeline.run(transport), shown.append)
    return shown


async def _listen(port: int, received: list[tuple[str, bytes]]) -> None:
    """A subscriber that comes back as soon as the broker does (tries every 50 ms)."""
    while True:
        try:
            async with aiomqtt.Client("127.0.0.1", port) as client:
                await client.subscribe("anklet/#", qos=1)
                async for message in client.messages:
                    received.append((str(message.topic), bytes(message.payload)))
        except aiomqtt.MqttError:
            await asyncio.sleep(0.05)


async def test_broker_killed_and_restarted_mid_session(own_broker, caplog):
    session = simulate(load_scenario("restricted_pf_right"), seed=0, duration_s=40)
    reference = await _shown(session)  # the same session, no broker at all
    received: list[tuple[str, bytes]] = []
    listener = asyncio.create_task(_listen(own_broker.port, received))
    shown: list[tuple[float, dict]] = []  # (monotonic time shown, message)
    outage: dict[str, float] = {}

    def show(message: dict) -> None:
        shown.append((time.monotonic(), message))
        if message["type"] == "status" and message["t"] >= KILL_AT_S and "kill" not in outage:
            own_broker.kill()  # SIGKILL: no goodbye, the will fires... at nobody: the broker is gone
            outage["kill"] = time.monotonic()
        if message["type"] == "status" and message["t"] >= RESTART_AT_S and "restart" not in outage:
            outage["restart"] = time.monotonic()
            asyncio.get_running_loop().run_in_executor(None, own_broker.start)

    pipeline = _pipeline(session)
    # --speed max: each notification keeps its time, so the messages are the same in every run
    transport = VirtualSensorTransport(session.notifications(), speed=math.inf)
    publication = Publication(parse_broker_url(own_broker.url), "gym", "default", PARAMS)
    await stream(pipeline, lambda: pipeline.run(transport), show, publication)
    await asyncio.sleep(0.5)
    listener.cancel()
    await asyncio.gather(listener, return_exceptions=True)

    # the session itself: undisturbed, message for message
    assert [message for _, message in shown] == reference
    # flags raised while the broker was away, delivered once it was back
    during = [m for at, m in shown if outage["kill"] < at < outage["restart"]]
    flags_during = [m for m in during if m["type"] == "flag"]
    assert flags_during
    delivered = [decode(topic, payload) for topic, payload in received]
    delivered_flags = [{k: v for k, v in m.items() if k not in ("v", "wall_s", "station", "athlete")} for m in delivered if m["type"] == "flag"]
    assert all(flag in delivered_flags for flag in flags_during)
    # the counters: every message put is sent or counted as dropped; stream data only
    decimator = AngleDecimator(PARAMS.angles_hz)
    put = [m for _, m in shown if m["type"] != "angles" or decimator.keep(m)]
    goodbye = json.loads(next(payload for topic, payload in reversed(received) if topic.endswith("/status")))
    counters = goodbye["mqtt"]
    assert goodbye["state"] == "offline" and counters["reconnects"] == 1 and counters["buffered"] == 0
    assert counters["sent"] + counters["dropped_stream"] == len(put) and counters["dropped_kept"] == 0
    stream_during = sum(1 for m in during if m["type"] in STREAM_TYPES and m in put)
    assert counters["dropped_stream"] >= stream_during - STREAM_BUFFER
    # what it said: the loss and the return, in two warnings, and nothing else above debug
    warnings = [record.getMessage() for record in caplog.records if record.levelname != "DEBUG"]
    assert len(warnings) == 2, warnings
    assert any(text.startswith("lost the broker at mqtt://127.0.0.1") for text in warnings)
    assert any(text.startswith("reconnected to the broker") for text in warnings)
