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
        radio = asyncio.create_task(self._hand_over(queue))
        try:
            while (notification := await queue.get()) is not None:
                yield notification
        finally:
            radio.cancel()

    async def _hand_over(self, queue: asyncio.Queue[Notification | None]) -> None:
        """Put each notification in ``queue`` at its time, stamped then: like a BLE callback
        that only enqueues, so a consumer that is busy or waiting does not move the stamps,
        while a blocked event loop does."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        for notification in self.notifications_:
            delay = start + notification.host_time_s / self.speed - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            arrival_s = (loop.time() - start) * self.speed
            queue.put_nowait(Notification(notification.sensor, notification.channel, notification.payload, arrival_s))
        queue.put_nowait(None)

    async def _unpaced(self) -> AsyncIterator[Notification]:
        for index, notification in enumerate(self.notifications_):
            if index % 256 == 0:
                await asyncio.sleep(0)  # let the consumers run between batches
            yield notification
