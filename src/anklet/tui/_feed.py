"""What the coach view and the multi-station view share: a worker that folds a feed of
messages into a model, a redraw only when the model changed, quitting by closing the feed, and
anklet's warnings shown as notices (on screen, stderr is the view's)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

from textual.app import App
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from anklet.errors import AnkletError

__all__ = ["FeedViewer", "warnings_as_notices"]


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


@contextlib.contextmanager
def warnings_as_notices(app: App[Any], logger: str = "anklet") -> Iterator[None]:
    """While the block runs (``app.run()``), ``logger``'s warnings (a lost broker, a sensor
    that went away) show as the app's notices: a terminal view owns stderr, where they would
    otherwise go unseen."""
    handler = _NoticeHandler(app, threading.get_ident())
    target = logging.getLogger(logger)
    target.addHandler(handler)
    try:
        yield
    finally:
        target.removeHandler(handler)


class _NoticeHandler(logging.Handler):
    """Notices from the app's thread at once; from another (whose wait could block the loop),
    handed to the loop without waiting, once a notice from the loop has shown which it is."""

    def __init__(self, app: App[Any], thread_id: int) -> None:
        super().__init__(logging.WARNING)
        self.app, self.thread_id = app, thread_id
        self._loop: asyncio.AbstractEventLoop | None = None

    def emit(self, record: logging.LogRecord) -> None:
        notice = functools.partial(
            self.app.notify, record.getMessage(), severity="error" if record.levelno >= logging.ERROR else "warning",
            timeout=8, markup=False,  # "[Errno 111]" is text, not markup
        )
        if threading.get_ident() == self.thread_id:
            self._loop = asyncio.get_running_loop()
            notice()
        elif self._loop is not None:
            self._loop.call_soon_threadsafe(notice)
