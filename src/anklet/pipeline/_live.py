"""The live pipeline: notifications in, messages out, on one asyncio event loop.

Each notification is handled at once (decode, clock sync, grid) in a few tens of µs; the grid
releases rows only when every talking sensor has covered them, so orientation and angles run
on batches of rows, not per sample. Subscribers get messages through bounded queues: a slow
viewer never holds up the pipeline, it loses its oldest messages instead (and can see how
many). Nothing here blocks the loop: until calibration succeeds, the rows go to the angle
estimator on a worker thread, because looking for the standing period and calibrating take
0.15-0.6 s at once (measured in benchmarks/bench_pipeline.py); after that each step is small.
Stages after the angles (gait, a recorder) run in process, fed each sensor's rows as soon as
they are final and the angles as they come; what one notification brings is published in time
order.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Protocol

import numpy as np

from anklet._loops import running_loop
from anklet.files import ImuTable
from anklet.pipeline._angles import AngleChunk, AngleEstimator, AngleParams
from anklet.pipeline._grid import GridRelease, LiveGrid
from anklet.pipeline._link import SensorLink, TimedPackets, TimedSamples, decoded_together
from anklet.protocol import DecodedBatch
from anklet.pipeline._messages import angles_messages, status_message
from anklet.timing import ClockSyncParams
from anklet.transport import Notification, Transport


@dataclass(frozen=True, slots=True)
class LiveParams:
    """``max_wait_s``: how long a silent sensor may hold back the others' angles, s (longer
    than most bursts of BLE loss, so the grid rarely gives up samples that do arrive: rows it
    released without them would make live and offline angles differ for a few seconds);
    ``reorder_wait_s``: how long a hole behind lost packets (a sequence gap) holds that
    sensor's rows in case BLE delivers them late, s (BLE delivers one connection's
    notifications in order; the simulator's reordered pairs arrive together);
    ``angles_hz``: rate of ``angles`` messages; ``status_every_s``: period of ``status``;
    ``catch_up_s``: most session time fused per notification while working off the backlog
    calibration leaves (20 s or more of samples), so no single step blocks the loop long (None:
    all at once, for a replay that nobody waits on)."""

    angles: AngleParams = field(default_factory=AngleParams)
    clock: ClockSyncParams | None = None
    max_wait_s: float = 0.3
    reorder_wait_s: float = 0.03
    angles_hz: float = 10.0
    status_every_s: float = 1.0
    catch_up_s: float | None = 0.25


_Linked = TimedSamples | bool | None
"""What a link made of one notification: a data packet's timed samples (None if dropped), a
connection report's link state after it (None for a status report)."""

_ONE_BY_ONE_BELOW = 8
"""A replay takes stretches of at most this many notifications one by one when the grid cannot
take them at once (``LivePipeline._take_in_pieces``)."""
_NO_PACKETS_AT = np.empty(0, dtype=np.int64)
"""The ``at`` of a sensor with no packet in a stretch."""


@dataclass(frozen=True, slots=True)
class _LinkedStretch:
    """What the links made of a stretch of notifications (arrival order), in blocks: each
    sensor's data packets kept (``packets``, none empty) and the index in ``notifications`` of
    each (``at``, ascending), the link state after each connection report by its index
    (``link_up``)."""

    notifications: list[Notification]
    packets: dict[str, TimedPackets]
    at: dict[str, np.ndarray]
    link_up: dict[int, bool]

    @classmethod
    def joined(cls, stretches: list[_LinkedStretch]) -> _LinkedStretch:
        """``stretches`` one after the other, as one (at least one)."""
        if len(stretches) == 1:
            return stretches[0]
        offsets = np.cumsum([0] + [len(stretch.notifications) for stretch in stretches[:-1]]).tolist()
        names = dict.fromkeys(name for stretch in stretches for name in stretch.packets)
        return cls(
            list(chain.from_iterable(stretch.notifications for stretch in stretches)),
            {name: TimedPackets.concatenate([stretch.packets[name] for stretch in stretches if name in stretch.packets])
             for name in names},
            {name: np.concatenate([stretch.at[name] + offset for stretch, offset in zip(stretches, offsets, strict=True)
                                   if name in stretch.at]) for name in names},
            {index + offset: up for stretch, offset in zip(stretches, offsets, strict=True)
             for index, up in stretch.link_up.items()},
        )

    def piece(self, start: int, stop: int) -> _LinkedStretch:
        """The stretch of notifications ``start`` to ``stop`` (excluded)."""
        packets, at = {}, {}
        for name, sensor_at in self.at.items():
            first, end = np.searchsorted(sensor_at, [start, stop]).tolist()
            if end > first:
                packets[name], at[name] = self.packets[name].packets(first, end), sensor_at[first:end] - start
        link_up = {index - start: up for index, up in self.link_up.items() if start <= index < stop}
        return _LinkedStretch(self.notifications[start:stop], packets, at, link_up)

    def linked(self, index: int) -> _Linked:
        """What the link made of notification ``index`` (as ``LivePipeline._link_step``)."""
        if index in self.link_up:
            return self.link_up[index]
        sensor = self.notifications[index].sensor
        sensor_at = self.at.get(sensor, _NO_PACKETS_AT)
        packet = int(np.searchsorted(sensor_at, index))
        if packet == len(sensor_at) or sensor_at[packet] != index:
            return None  # a status report, or a packet its link dropped
        return self.packets[sensor].packet(packet)


def _by_channel(notifications: list[Notification]) -> tuple[dict[str, list[int]], list[int]]:
    """The index in ``notifications`` of each sensor's data packets, and of the reports (status
    and connection)."""
    data: dict[str, list[int]] = {}
    reports = []
    for index, notification in enumerate(notifications):
        if notification.channel == "data":
            data.setdefault(notification.sensor, []).append(index)
        else:
            reports.append(index)
    return data, reports


class LiveStage(Protocol):
    """An in-process stage after the angles, e.g. ``anklet.gait.live_gait``. It is fed each
    sensor's grid rows as soon as that sensor's are final (``on_rows``: a table of one sensor;
    each sensor's rows in order, once each, whatever the other sensors are doing, so a foot's
    events need not wait for a shank's loss) and the angles (``on_angles``, which lag the rows:
    they wait for every sensor, and calibration holds them for the first ~20 s) in order; each
    call returns the messages it completes, each with its session time ``t``, and ``finish()``
    the rest at the end. Each call must stay cheap: it runs on the event loop."""

    def on_rows(self, rows: ImuTable) -> list[dict[str, Any]]: ...

    def on_angles(self, chunk: AngleChunk) -> list[dict[str, Any]]: ...

    def finish(self) -> list[dict[str, Any]]: ...


class Subscription:
    """A bounded queue of messages for one consumer; iterate it with ``async for``.

    When the consumer falls ``maxsize`` messages behind, the oldest are dropped
    (``dropped_`` counts them): live readouts want the newest numbers.
    """

    def __init__(self, maxsize: int) -> None:
        self._messages: deque[dict[str, Any]] = deque()
        self._maxsize = maxsize
        self._ready = asyncio.Event()
        self._closed = False
        self.dropped_ = 0

    def put(self, message: dict[str, Any]) -> None:
        if len(self._messages) >= self._maxsize:
            self._messages.popleft()
            self.dropped_ += 1
        self._messages.append(message)
        self._ready.set()

    def drain(self) -> list[dict[str, Any]]:
        """The messages waiting now, without waiting: for callers that feed ``handle`` themselves."""
        messages, self._messages = list(self._messages), deque()
        return messages

    def close(self) -> None:
        self._closed = True
        self._ready.set()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> dict[str, Any]:
        while not self._messages:
            if self._closed:
                raise StopAsyncIteration
            self._ready.clear()
            await self._ready.wait()
        return self._messages.popleft()


class LivePipeline:
    """Notifications of ``sensors`` -> synchronised samples -> calibration -> ankle angles.

    ``await run(transport)`` consumes a transport to its end; ``handle(notification)`` is the
    same step for one notification, for callers that own the loop. ``stages`` (:class:`LiveStage`)
    get the rows and the angle chunks; their messages and the pipeline's own go to the
    subscriptions, each notification's in time order. ``health`` (e.g. ``BleakTransport.health``)
    adds what the transport knows of each sensor (RSSI, reconnects, MTU) to its ``status`` entry.
    Raises ValidationError when the data cannot be calibrated (from ``handle`` or ``finish``
    once the worker thread that calibrates has found out, or from ``run``).
    """

    def __init__(
        self,
        sensors: list[str],
        params: LiveParams | None = None,
        stages: Sequence[LiveStage] = (),
        health: Callable[[], Mapping[str, Mapping[str, Any]]] | None = None,
    ) -> None:
        self.sensors = sensors
        self.health = health
        self.params = params or LiveParams()
        self.stages = list(stages)
        self.links = {name: SensorLink(name, self.params.clock) for name in sensors}
        self.estimator: AngleEstimator | None = None
        self._subscriptions: list[Subscription] = []
        self._outbox: list[dict[str, Any]] = []  # this step's messages, published in time order at its end
        self._grid: LiveGrid | None = None
        self._next_status_s = self.params.status_every_s
        self._last_angles_period = -1  # of the last angles message, in 1 / angles_hz
        self._unestimated: list[ImuTable] = []  # grid rows waiting for the estimator, in order
        self._worker: asyncio.Future[AngleChunk] | None = None  # the estimator's thread, while calibrating
        self._failure: Exception | None = None

    def subscribe(self, maxsize: int = 1000) -> Subscription:
        subscription = Subscription(maxsize)
        self._subscriptions.append(subscription)
        return subscription

    async def run(self, transport: Transport) -> None:
        try:
            async with transport:
                await self.consume(transport)
        finally:
            self._close_subscriptions()  # also when the transport fails to start

    async def consume(self, transport: Transport) -> None:
        """Like ``run``, for a transport already entered (whose sensors had to be known, e.g.
        their sample rate, before the pipeline was built)."""
        try:
            async for notification in transport.notifications():
                self.handle(notification)
                await self._calibrated_so_far()
            self.finish()
        finally:
            self._close_subscriptions()

    def _close_subscriptions(self) -> None:
        for subscription in self._subscriptions:
            subscription.close()

    async def _calibrated_so_far(self) -> None:
        """Wait (the loop keeps turning) while the worker calibrates: the notifications wait in
        the transport meanwhile, so messages come in the same order at any replay speed."""
        while self._worker is not None:
            await asyncio.wait([self._worker])
            await asyncio.sleep(0)  # let the done-callback hand the result over

    def handle(self, notification: Notification) -> None:
        self._raise_failure()
        if notification.sensor not in self.links:
            return  # a sensor this session does not use
        self._grid_step(notification, self._link_step(notification))
        self._publish_status_until(notification.host_time_s)
        self._send()

    def handle_many(self, notifications: list[Notification]) -> None:
        """``handle`` for each of ``notifications`` (arrival order) in array steps, where that
        gives the same rows: a replay's fast path.

        Each status period's packets go through the links at once (timed as live times them,
        bit for bit; the whole window's decoded in one call beforehand), and its status is
        published as live publishes it. Then the grid
        takes them all at once if that releases the same rows as taking each at its arrival
        (``LiveGrid.add_at_once``), else status period by status period, else one by one as
        live; the rows go on to the estimator and the stages in these larger chunks.
        """
        self._raise_failure()
        mine = [notification for notification in notifications if notification.sensor in self.links]
        if not mine:
            return
        periods = [mine[period] for period in self._status_periods(mine)]
        channels = [_by_channel(period) for period in periods]
        payloads = [[period[i].payload for i in indices] for period, (sensors, _) in zip(periods, channels, strict=True)
                    for indices in sensors.values()]
        decoded = iter(zip(payloads, decoded_together(payloads), strict=True))  # the window's in one call
        stretches = []
        for period, (sensors, reports) in zip(periods, channels, strict=True):
            data = {name: (indices, *next(decoded)) for name, indices in sensors.items()}
            stretches.append(self._link_steps(period, data, reports))
            self._publish_status_until(period[-1].host_time_s)
        if not self._took_at_once(_LinkedStretch.joined(stretches)):
            for stretch in stretches:
                self._take_in_pieces(stretch)
        self._send()

    async def replay(self, notifications: Iterable[Notification], window_s: float = 5.0) -> None:
        """A recording's notifications (arrival order) through the pipeline as fast as it goes:
        ``handle_many`` on each ``window_s`` of them (whole status periods), the backlog after
        calibration fused at once (nothing waits on the loop), and then ``finish``."""
        self.params = dataclasses.replace(self.params, catch_up_s=None)
        periods = max(1, round(window_s / self.params.status_every_s))
        try:
            window: list[Notification] = []
            window_end_s = self._next_status_s + (periods - 1) * self.params.status_every_s
            for notification in notifications:
                window.append(notification)
                if notification.host_time_s >= window_end_s:
                    await self._replay_window(window)  # (it moves _next_status_s on)
                    window = []
                    window_end_s = self._next_status_s + (periods - 1) * self.params.status_every_s
            await self._replay_window(window)
            self.finish()
        finally:
            self._close_subscriptions()

    async def _replay_window(self, window: list[Notification]) -> None:
        self.handle_many(window)
        await self._calibrated_so_far()
        await asyncio.sleep(0)  # let the subscribers take this window's messages

    def _link_step(self, notification: Notification) -> _Linked:
        """``notification`` through its sensor's link: a data packet's timed samples (None for
        a duplicate or a malformed packet), a connection report's link state after it."""
        link = self.links[notification.sensor]
        if notification.channel == "data":
            return link.on_data(notification.payload, notification.host_time_s)
        if notification.channel == "status":
            link.on_status(notification.payload)
            return None
        link.on_connection(notification.payload)
        return link.link_up_

    def _link_steps(
        self,
        notifications: list[Notification],
        data: dict[str, tuple[list[int], list[bytes], DecodedBatch | None]],
        reports: list[int],
    ) -> _LinkedStretch:
        """``_link_step`` for each of ``notifications``, every sensor's data packets at once
        (``data``: each sensor's, by their index in ``notifications``, with their payloads, and
        those decoded if they were: ``decoded_together``; ``reports``: the others' indices)."""
        link_up = {}
        for index in reports:  # before the data: a report changes nothing the data's timing reads
            linked = self._link_step(notifications[index])
            if notifications[index].channel == "connection":
                link_up[index] = bool(linked)
        packets, at = {}, {}
        for name, (indices, payloads, decoded) in data.items():
            block, keep = self.links[name].on_data_many(payloads, [notifications[i].host_time_s for i in indices], decoded)
            if block.n_packets:
                packets[name], at[name] = block, np.array(indices)[keep]
        return _LinkedStretch(notifications, packets, at, link_up)

    def _take_in_pieces(self, stretch: _LinkedStretch) -> None:
        """The grid takes ``stretch`` at once if it can, else each half of it the same way, down
        to a few notifications taken one by one as live takes them: a gap or a late packet costs
        live's pace only around itself."""
        if self._took_at_once(stretch):
            return
        count = len(stretch.notifications)
        if count <= _ONE_BY_ONE_BELOW:
            for index, notification in enumerate(stretch.notifications):
                self._grid_step(notification, stretch.linked(index))
            return
        self._take_in_pieces(stretch.piece(0, count // 2))
        self._take_in_pieces(stretch.piece(count // 2, count))

    def _took_at_once(self, stretch: _LinkedStretch) -> bool:
        """Whether the grid took the data of ``stretch`` at once (and released the rows they
        complete): never with a connection report among them, or no data."""
        if self._grid is None or stretch.link_up or not stretch.packets:
            return False
        now = stretch.notifications[-1].host_time_s
        if not self._grid.add_at_once(stretch.packets, now):
            return False
        self._released(self._grid.advance(now))
        return True

    def _grid_step(self, notification: Notification, linked: _Linked) -> None:
        """The grid's part of ``handle`` for one notification its link has taken (``linked``:
        what ``_link_step`` returned): samples in, a link's report, what it releases on."""
        now = notification.host_time_s
        if notification.channel == "connection":
            if self._grid is not None:  # a sensor down holds no rows: release what the others have
                self._grid.on_connection(notification.sensor, bool(linked), now)
                self._released(self._grid.advance(now))
        elif isinstance(linked, TimedSamples):
            self._grid_for(self.links[notification.sensor].sample_rate_hz_).add(notification.sensor, linked, now)
            if self._grid is not None:
                self._released(self._grid.advance(now))

    def _publish_status_until(self, now: float) -> None:
        if now < self._next_status_s:  # the usual, live: none due
            return
        due, self._next_status_s = self._statuses_due(now, self._next_status_s)
        for t in due:
            self._publish_status(t)

    def _statuses_due(self, now: float, next_s: float) -> tuple[list[float], float]:
        """The times of the statuses due by ``now``, the next one being due at ``next_s``, and
        when the one after them is due."""
        due = []
        while now >= next_s:
            due.append(next_s)
            next_s += self.params.status_every_s
        return due, next_s

    def _status_periods(self, notifications: list[Notification]) -> list[slice]:
        """``notifications`` cut into status periods: after each that makes a status due, as
        ``_publish_status_until`` will publish them, and at the end."""
        periods, start, next_s = [], 0, self._next_status_s
        for index, notification in enumerate(notifications):
            if notification.host_time_s >= next_s:
                periods.append(slice(start, index + 1))
                start, next_s = index + 1, self._statuses_due(notification.host_time_s, next_s)[1]
        if start < len(notifications):
            periods.append(slice(start, len(notifications)))
        return periods

    def finish(self) -> None:
        """End of the session: release the last rows and calibrate what is held if need be.
        Call it once the calibrating worker is done (``run`` waits for it)."""
        self._raise_failure()
        if self._grid is None or self.estimator is None:
            return
        release = self._grid.flush()
        self._sensor_rows_to_stages(release.sensor_rows)
        if release.rows is not None:
            self._unestimated.append(release.rows)
        if self._unestimated:
            self._deliver(self.estimator.update(ImuTable.concatenate(self._unestimated)))
            self._unestimated = []
        self._deliver(self.estimator.finish())
        for stage in self.stages:
            self._outbox += stage.finish()
        self._send()

    def _grid_for(self, rate_hz: float) -> LiveGrid:
        if self._grid is None:
            self._grid = LiveGrid(self.sensors, rate_hz, self.params.max_wait_s, self.params.reorder_wait_s)
            catch_up = None if self.params.catch_up_s is None else round(self.params.catch_up_s * rate_hz)
            self.estimator = AngleEstimator(rate_hz, self.params.angles, catch_up)
        return self._grid

    def _released(self, release: GridRelease) -> None:
        self._sensor_rows_to_stages(release.sensor_rows)
        if release.rows is None or self.estimator is None:
            return
        self._unestimated.append(release.rows)
        if self._worker is None:
            self._estimate_unestimated()

    def _estimate_unestimated(self) -> None:
        assert self.estimator is not None
        rows = ImuTable.concatenate(self._unestimated)
        self._unestimated = []
        loop = running_loop()
        if self.estimator.calibration is None and loop is not None:
            self._worker = loop.run_in_executor(None, self.estimator.update, rows)
            self._worker.add_done_callback(self._on_worker_done)
        else:
            self._deliver(self.estimator.update(rows))

    def _on_worker_done(self, worker: asyncio.Future[AngleChunk]) -> None:
        self._worker = None
        if worker.exception() is not None:
            self._failure = worker.exception()
            return
        self._deliver(worker.result())
        if self._unestimated:
            self._estimate_unestimated()
        self._send()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _deliver(self, chunk: AngleChunk) -> None:
        if not len(chunk):
            return
        for stage in self.stages:
            self._outbox += stage.on_angles(chunk)
        messages, self._last_angles_period = angles_messages(chunk, self.params.angles_hz, self._last_angles_period)
        self._outbox += messages

    def _sensor_rows_to_stages(self, sensor_rows: list[ImuTable]) -> None:
        for rows in sensor_rows:
            for stage in self.stages:
                self._outbox += stage.on_rows(rows)

    def _publish_status(self, t: float) -> None:
        calibrated = self.estimator is not None and self.estimator.calibration is not None
        health = self.health() if self.health is not None else {}
        sensors = []
        for name, link in self.links.items():
            entry = link.status(t)  # the link's own keys win: it has seen the data
            sensors.append(entry | {key: value for key, value in health.get(name, {}).items() if key not in entry})
        self._outbox.append(status_message(t, sensors, calibrated=calibrated))

    def _send(self) -> None:
        """Publish this step's messages, in time order (a stable sort: ties keep their order)."""
        self._outbox.sort(key=lambda message: message["t"])
        for message in self._outbox:
            for subscription in self._subscriptions:
                subscription.put(message)
        self._outbox = []
