"""The publisher's outbound buffer: what waits for the broker, bounded, never blocking.

Two kinds of message wait here. Stream data (``angles``, ``status``) is only worth its
newest values: when ``stream_size`` of it wait, the oldest goes (``dropped_stream_`` counts
them). What happened (``event``, ``stride``, ``rep``, ``flag``, ``assessment``) is kept
through an outage; only a backlog of ``kept_size`` of them (hours of a broken broker) loses
its oldest, counted in ``dropped_kept_``. Messages leave in the order they came.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from typing import Any

__all__ = ["STREAM_TYPES", "OutboundBuffer"]

STREAM_TYPES = frozenset({"angles", "status"})
"""Message types whose newest value supersedes the older ones."""


class OutboundBuffer:
    """A bounded two-class FIFO; ``put`` never waits, ``get`` waits for a message (None once
    the buffer is closed and empty)."""

    def __init__(self, stream_size: int, kept_size: int) -> None:
        self._stream: deque[tuple[int, dict[str, Any]]] = deque()
        self._kept: deque[tuple[int, dict[str, Any]]] = deque()
        self._stream_size, self._kept_size = stream_size, kept_size
        self._order = itertools.count()
        self._ready = asyncio.Event()
        self._closed = False
        self.dropped_stream_ = 0
        self.dropped_kept_ = 0

    def __len__(self) -> int:
        return len(self._stream) + len(self._kept)

    def put(self, message: dict[str, Any]) -> None:
        self._append(message, next(self._order), front=False)
        self._ready.set()

    def put_back(self, message: dict[str, Any], order: int) -> None:
        """Return a message ``get`` gave (e.g. its publish failed) to the head of its class;
        several go back newest first."""
        self._append(message, order, front=True)
        self._ready.set()

    def close(self) -> None:
        """No more ``put``: ``get`` returns None once what waits has gone."""
        self._closed = True
        self._ready.set()

    async def get(self) -> tuple[dict[str, Any], int] | None:
        """The oldest message waiting, and its place in the order (for ``put_back``)."""
        while not self:
            if self._closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        queue = self._older_head()
        order, message = queue.popleft()
        return message, order

    def counters(self) -> dict[str, int]:
        return {"buffered": len(self), "dropped_stream": self.dropped_stream_, "dropped_kept": self.dropped_kept_}

    def _older_head(self) -> deque[tuple[int, dict[str, Any]]]:
        if not self._kept:
            return self._stream
        if not self._stream:
            return self._kept
        return self._stream if self._stream[0][0] < self._kept[0][0] else self._kept

    def _append(self, message: dict[str, Any], order: int, *, front: bool) -> None:
        queue = self._stream if message["type"] in STREAM_TYPES else self._kept
        if len(queue) >= (self._stream_size if queue is self._stream else self._kept_size):
            if front:  # the returned message is the oldest of its class: it is the one to go
                self._count_drop(queue)
                return
            queue.popleft()
            self._count_drop(queue)
        if front:
            queue.appendleft((order, message))
        else:
            queue.append((order, message))

    def _count_drop(self, queue: deque) -> None:
        if queue is self._stream:
            self.dropped_stream_ += 1
        else:
            self.dropped_kept_ += 1
