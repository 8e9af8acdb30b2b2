"""Virtual sensors as a live transport: simulated notifications delivered at their arrival times."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Sequence

from anklet.transport import Notification, Transport


class VirtualSensorTransport(Transport):
    """Deliver simulated notifications at real-time pace, ``speed`` times faster, or at once.

    Paced, a task hands each notification over at its time and stamps it with the host time
    it was handed over (scaled by ``speed``), so event-loop delays show up as arrival jitter
    exactly as they would for a radio, and a consumer that falls behind finds them queued. With ``speed=math.inf`` nothing waits and the simulated arrival times are
    kept, which makes a run deterministic.

    Parameters
    ----------
    notifications
        All sensors' notifications, sorted by ``host_time_s``.
    speed
        Replay pace relative to real time; ``math.inf`` for as fast as possible.
    """

    def __init__(self, notifications: Sequence[Notification], *, speed: float = 1.0) -> None:
        if not speed > 0:
            raise ValueError("speed must be positive")
        self.notifications_ = notifications
        self.speed = speed

    async def notifications(self) -> AsyncIterator[Notification]:
        if math.isinf(self.speed):
            async for notification in self._unpaced():
                yield notification
            return
        queue: asyncio.Queue[Notification | None] = asyncio.Queue()
        radio = _Radio(self.notifications_, self.speed, queue)
        try:
            while (notification := await queue.get()) is not None:
                yield notification
        finally:
            radio.stop()

    async def _unpaced(self) -> AsyncIterator[Notification]:
        for index, notification in enumerate(self.notifications_):
            if index % 256 == 0:
                await asyncio.sleep(0)  # let the consumers run between batches
            yield notification


class _Radio:
    """Puts each notification in ``queue`` at its time, stamped then: like a BLE callback that
    only enqueues, so a consumer that is busy or waiting does not move the stamps, while a
    blocked event loop does. One loop timer per notification, each setting the next (a task
    sleeping between notifications costs a future and a task step more each)."""

    def __init__(self, notifications: Sequence[Notification], speed: float, queue: asyncio.Queue[Notification | None]) -> None:
        self._notifications = notifications
        self._speed = speed
        self._queue = queue
        self._loop = asyncio.get_running_loop()
        self._start = self._loop.time()
        self._next = 0
        self._timer: asyncio.TimerHandle | asyncio.Handle = self._loop.call_soon(self._hand_over)

    def _hand_over(self) -> None:
        notifications, loop = self._notifications, self._loop
        while self._next < len(notifications):
            notification = notifications[self._next]
            due = self._start + notification.host_time_s / self._speed
            if due > loop.time():
                self._timer = loop.call_at(due, self._hand_over)
                return
            arrival_s = (loop.time() - self._start) * self._speed
            self._queue.put_nowait(Notification(notification.sensor, notification.channel, notification.payload, arrival_s))
            self._next += 1
        self._queue.put_nowait(None)

    def stop(self) -> None:
        self._timer.cancel()
