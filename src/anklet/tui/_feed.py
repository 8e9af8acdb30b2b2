"""What the coach view and the multi-station view share: a worker that folds a feed of
messages into a model, a redraw only when the model changed, and quitting by closing the feed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from textual.worker import Worker, WorkerCancelled, WorkerFailed

from anklet.errors import AnkletError

__all__ = ["FeedViewer"]


class FeedViewer:
    """Mixin for an ``App[int]`` with ``feed`` (an async iterator of messages), ``model`` (with
    ``handle(message)``, ``end()``, ``version``), ``paused``, ``error_`` and ``redraw()``.

    ``start_feed(redraw_hz)`` (from ``on_mount``) starts the worker and the redraw timer. A feed
    that fails with an ``AnkletError`` leaves it in ``error_`` and exits with code 1; whatever
    ends the worker closes the feed (``aclose``), which ends the session behind it.
    """

    feed: AsyncIterator[dict[str, Any]]
    model: Any
    paused: bool
    error_: AnkletError | None
    _feed_worker: Worker[None]
    _drawn_version: int = -1

    def start_feed(self, redraw_hz: float) -> None:
        self._feed_worker = self.run_worker(self._consume(), name="feed")
        self.set_interval(1.0 / redraw_hz, self._redraw_if_changed)

    async def _consume(self) -> None:
        try:
            async for message in self.feed:
                self.model.handle(message)
        except AnkletError as exc:
            self.error_ = exc
            self.exit(return_code=1)
        finally:
            self.model.end()
            close = getattr(self.feed, "aclose", None)
            if close is not None:
                await close()  # the feed's owner ends its session (sensors released)

    def _redraw_if_changed(self) -> None:
        if not self.paused and self.model.version != self._drawn_version:
            self.redraw()

    async def action_quit(self) -> None:
        self._feed_worker.cancel()
        try:
            await self._feed_worker.wait()  # the feed is closed: its session is over
        except (WorkerCancelled, WorkerFailed):
            pass
        self.exit(self.return_code or 0)
