"""The MQTT publisher: a session's messages to ``anklet/{station}/{athlete}/{type}``.

The pipeline never waits on the broker. The publisher reads its own bounded
``Subscription`` and moves each message into an :class:`OutboundBuffer` at once (``put``
never waits); a task of its own sends from there, one message at a time. When the broker is
gone the buffer fills, stream data losing its oldest (counted), what happened kept, while the
task reconnects with exponential backoff and jitter. Each published ``status`` carries the
counters (``mqtt``: sent, buffered, dropped, reconnects) and ``"state": "online"``; the
broker holds the last one (retained) and, should the station vanish, the will
``"state": "offline"``, which a clean end publishes too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiomqtt

from anklet.mqtt._buffer import OutboundBuffer
from anklet.mqtt._connection import Backoff, broker_client, broker_error, is_refusal, quiet_socket_race
from anklet.mqtt._payload import AngleDecimator, encode, offline_status
from anklet.mqtt._topics import message_topic, topic_for
from anklet.mqtt._url import BrokerSettings

__all__ = ["QOS", "MqttPublisher", "Publication", "PublisherParams"]

_log = logging.getLogger(__name__)

QOS = {"angles": 0, "status": 1, "event": 1, "stride": 1, "rep": 1, "flag": 1, "assessment": 1}
"""At most once for the angles (the next one comes in 0.2 s); at least once for the rest,
which are a few a second at most and which a coach or a database must not miss."""
RETAINED = frozenset({"status", "flag"})
"""A subscriber that arrives late (or comes back after the broker did) learns at once who is
online and which flags are up: each flag has a topic of its own, so the broker keeps each one's
latest state."""


@dataclass(frozen=True, slots=True)
class PublisherParams:
    """How the publisher paces, buffers and retries.

    ``angles_hz``: angles published per second of session time (the pipeline makes 10).
    ``stream_buffer``/``kept_buffer``: messages of each class the buffer holds (2000 angles
    and status are over 5 minutes of an outage at 5 Hz; 100 000 events, strides and flags are
    hours). ``backoff_first_s``/``backoff_max_s``: the reconnect waits. ``timeout_s``: a publish
    not acknowledged in this long counts as a lost connection. ``close_timeout_s``: at the
    end, how long the publisher may still try to deliver what waits. ``max_inflight``: messages
    sent before the first is acknowledged (paho's own window for QoS 1).
    """

    angles_hz: float = 5.0
    stream_buffer: int = 2000
    kept_buffer: int = 100_000
    backoff_first_s: float = 0.5
    backoff_max_s: float = 15.0
    timeout_s: float = 5.0
    close_timeout_s: float = 5.0
    max_inflight: int = 20


@dataclass
class MqttPublisher:
    """Publishes the messages given to ``put`` for ``athlete`` at ``station``.

    ``async with`` starts it: the first connection is tried at once, and a broker that turns
    the login down raises BrokerError there (nothing was published; no retry would help). A
    broker that cannot be reached is only warned about: the session goes on and the publisher
    keeps trying. Leaving the block delivers what waits (at most ``close_timeout_s``) and
    says goodbye. Counters: ``sent_``, ``reconnects_`` and the buffer's drops.
    """

    broker: BrokerSettings
    station: str
    athlete: str
    params: PublisherParams = field(default_factory=PublisherParams)

    def __post_init__(self) -> None:
        self.sent_ = 0
        self.reconnects_ = 0
        self._buffer = OutboundBuffer(self.params.stream_buffer, self.params.kept_buffer)
        self._decimator = AngleDecimator(self.params.angles_hz)
        self._backoff = Backoff(self.params.backoff_first_s, self.params.backoff_max_s)
        self._first_attempt: asyncio.Future[None] | None = None
        self._closing: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def put(self, message: dict[str, Any]) -> None:
        """Queue ``message`` (a DESIGN.md message) for the broker; never waits."""
        if message["type"] == "angles" and not self._decimator.keep(message):
            return
        self._buffer.put(message | {"wall_s": time.time()})

    async def follow(self, subscription: AsyncIterator[dict[str, Any]]) -> None:
        """``put`` every message of ``subscription`` (e.g. ``LivePipeline.subscribe()``) until it ends."""
        async for message in subscription:
            self.put(message)

    def counters(self) -> dict[str, int]:
        return {"sent": self.sent_, "reconnects": self.reconnects_} | self._buffer.counters()

    async def __aenter__(self) -> MqttPublisher:
        loop = asyncio.get_running_loop()
        self._first_attempt = loop.create_future()
        self._closing = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name=f"mqtt publisher {self.station}/{self.athlete}")
        try:
            await self._first_attempt
        except BaseException:
            await self._stop()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._closing is not None and self._task is not None
        self._closing.set()
        self._buffer.close()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), self.params.close_timeout_s)
        except TimeoutError:
            pass
        finally:
            await self._stop()
        if len(self._buffer):
            _log.warning("%d messages for %s were not delivered before the session ended", len(self._buffer), self.broker.display())

    async def _stop(self) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        try:
            with quiet_socket_race():
                await self._connect_and_send()
        except BaseException as exc:  # a bug of ours: the session must not wait for a first attempt forever
            if self._first_attempt is not None and not self._first_attempt.done():
                self._first_attempt.set_exception(exc)
            raise

    async def _connect_and_send(self) -> None:
        assert self._closing is not None
        status_topic = topic_for(self.station, self.athlete, "status")
        will = aiomqtt.Will(status_topic, offline_status(), qos=1, retain=True)
        while True:
            connected = False
            failure: aiomqtt.MqttError | None = None
            try:
                client = broker_client(self.broker, will=will, timeout_s=self.params.timeout_s)
                client.pending_calls_threshold = self.params.max_inflight  # aiomqtt warns above it
                async with client:
                    connected = True
                    self._on_connected()
                    await self._send_while_connected(client)
                    await client.publish(status_topic, offline_status(mqtt=self.counters()), qos=1, retain=True)
                    return
            except* aiomqtt.MqttError as group:
                failure = group.exceptions[0]
            if self._on_failure(failure, connected) or self._closing.is_set():
                return  # no broker at the end: what waits is reported, not waited for
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self._backoff.next_s())

    def _on_connected(self) -> None:
        assert self._first_attempt is not None
        if self._first_attempt.done():
            self.reconnects_ += 1
            _log.warning("reconnected to the broker at %s; sending the %d messages that waited", self.broker.display(), len(self._buffer))
        else:
            self._first_attempt.set_result(None)
        self._backoff.reset()

    def _on_failure(self, exc: aiomqtt.MqttError, connected: bool) -> bool:
        """Say what happened; True when the publisher must stop (the first login was refused)."""
        assert self._first_attempt is not None
        error = broker_error(exc, self.broker)
        if not self._first_attempt.done():
            if is_refusal(exc):
                self._first_attempt.set_exception(error)
                return True
            self._first_attempt.set_result(None)
            _log.warning("%s; the session goes on and anklet keeps trying", error)
        elif connected:  # once per outage: the attempts that fail after it say nothing more
            _log.warning("lost the broker at %s (%s); buffering and reconnecting", self.broker.display(), exc)
        return False

    async def _send_while_connected(self, client: aiomqtt.Client) -> None:
        """Send until the buffer is closed and empty; raise MqttError when the connection goes
        (noticed by the watch on the client's messages even while nothing is sent)."""
        async with asyncio.TaskGroup() as group:
            watch = group.create_task(_until_disconnected(client))
            await self._send_all(client)
            watch.cancel()

    async def _send_all(self, client: aiomqtt.Client) -> None:
        """Send in order, up to ``max_inflight`` messages at once: a QoS 1 message waits for
        the broker's acknowledgement, and waiting for each in turn would hold a burst (the
        strides of the calibration period) for a round trip per message. What was not sent
        when the connection goes returns to the buffer, in order."""
        window = asyncio.Semaphore(self.params.max_inflight)
        unsent: dict[int, dict[str, Any]] = {}  # by order; a task cancelled before it ran is here too
        try:
            async with asyncio.TaskGroup() as sending:
                while (item := await self._buffer.get()) is not None:
                    message, order = item
                    unsent[order] = message
                    await window.acquire()
                    sending.create_task(self._send(client, message, order, unsent, window))  # started in order: paho sends in it
        finally:
            for order, message in reversed(unsent.items()):
                self._buffer.put_back(message, order)  # sent again after the reconnect (QoS 1: at least once)

    async def _send(
        self, client: aiomqtt.Client, message: dict[str, Any], order: int, unsent: dict[int, Any], window: asyncio.Semaphore
    ) -> None:
        kind = message["type"]
        payload = message | {"state": "online", "mqtt": self.counters()} if kind == "status" else message
        try:
            await client.publish(
                message_topic(self.station, self.athlete, message), encode(payload), qos=QOS[kind], retain=kind in RETAINED
            )
        finally:
            window.release()
        del unsent[order]
        self.sent_ += 1


async def _until_disconnected(client: aiomqtt.Client) -> None:
    """Returns never; raises MqttError once the client's connection is gone."""
    async for _ in client.messages:  # nothing is subscribed: this only waits for the end
        pass


@dataclass(frozen=True, slots=True)
class Publication:
    """Where a session publishes: the broker, and the station and athlete its topics name."""

    broker: BrokerSettings
    station: str
    athlete: str
    params: PublisherParams = field(default_factory=PublisherParams)

    @contextlib.asynccontextmanager
    async def publishing(self, subscription: AsyncIterator[dict[str, Any]]) -> AsyncIterator[MqttPublisher]:
        """Publish ``subscription``'s messages for the ``async with`` block (and until the
        subscription ends, when the block leaves first)."""
        async with MqttPublisher(self.broker, self.station, self.athlete, self.params) as publisher:
            follower = asyncio.create_task(publisher.follow(subscription))
            try:
                yield publisher
            finally:
                await follower
