"""Recording a live session: a transport that records every notification as the pipeline
receives it, and a recorder that can be started and stopped (the coach view's ``r``)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from anklet._loops import running_loop
from anklet.errors import AnkletError
from anklet.recording._compact import SampleSteps, rounded_notification
from anklet.recording._format import from_ns, to_ns
from anklet.recording._history import NotificationHistory
from anklet.recording._session import Mark, SessionInfo
from anklet.recording._writer import RecordingWriter
from anklet.transport import Notification, Transport

FLUSH_CHECK_EVERY_S = 0.1
SILENCE_AFTER_CHUNK_S = 0.1
"""While streaming, ``RecordingTransport`` looks every ``FLUSH_CHECK_EVERY_S`` whether the open
chunk's first notification has waited a chunk's length (``CHUNK_EVERY_S``, 0.5 s;
``COMPACT_CHUNK_EVERY_S``, 0.75 s) and ``SILENCE_AFTER_CHUNK_S`` more: then the sensors have
paused (their arrival times would have closed it), and it is closed. So nothing waits in
memory longer than 0.7 s (0.95 s compact), and a streaming session's chunks are cut once, not
also by a timer out of step with them (which doubled the chunks: +13 % of the size)."""

HISTORY_ON_LOOP = 10_000
"""A history up to this many notifications (about 50 s of 4 sensors) is written on the event
loop when recording starts (about 0.1 s); a longer one by a thread."""

_log = logging.getLogger(__name__)

CalibrationSource = Callable[[], Any]
"""Returns the session's ``Calibration`` once it has one, else None (e.g. the pipeline's
``estimator.calibration``)."""


class Recorder:
    """One session's recordings.

    ``begin(session)`` says what the session is, once that is known (BLE sensors report their
    sample rate on connecting); with ``path`` the recording starts then. ``take`` is handed
    every notification (``RecordingTransport`` does it) and returns it stamped as it is
    recorded. With ``keep_history`` the session's notifications are also kept in memory
    (``NotificationHistory``: their payloads and 14 bytes each), so that a recording started later (``toggle``, the
    coach view's ``r``) still holds the session from its beginning, which a replay needs to
    calibrate.

    Parameters
    ----------
    path
        Record from the start into this file.
    keep_history
        Keep the notifications for recordings started later.
    sample_steps
        Record compact, the samples rounded to these steps (``_compact``; ``COMPACT_STEPS``):
        every notification is rounded as such a recording keeps it before the pipeline gets
        it, whether or not a recording is in progress.
    """

    def __init__(
        self, path: str | Path | None = None, *, keep_history: bool = False, sample_steps: SampleSteps | None = None
    ) -> None:
        self.first_path = Path(path) if path is not None else None
        self.keep_history = keep_history
        self.sample_steps = sample_steps
        self.session: SessionInfo | None = None
        self.history_ = NotificationHistory()
        self.marks_: list[Mark] = []
        self.saved_: list[Path] = []
        self._writer: RecordingWriter | None = None
        self._filling: RecordingWriter | None = None  # written by _fill_thread until it hands over
        self._fill_thread: threading.Thread | None = None
        self._fill_upto = 0
        self._fill_error: AnkletError | None = None
        self._calibration_source: CalibrationSource | None = None
        self._calibration: tuple[float, dict[str, Any]] | None = None
        self._last_time_s = 0.0
        self._ended = False

    def begin(self, session: SessionInfo) -> None:
        """The session is ``session``: start recording into ``path`` if one was given."""
        self.session = dataclasses.replace(session, sample_steps=self.sample_steps)
        if self.first_path is not None:
            self.start(self.first_path)

    @property
    def path_(self) -> Path | None:
        """The file being recorded now, or None."""
        writer = self._writer or self._filling
        return writer.path if writer is not None else None

    def calibration_from(self, source: CalibrationSource) -> None:
        """Record the calibration once ``source()`` has one (looked at on each notification)."""
        self._calibration_source = source

    def take(self, notification: Notification) -> Notification:
        """Record ``notification``; the pipeline gets the returned one, whose arrival time is
        the recorded one exactly (rounded to the nanosecond; a compact recording's to the
        microsecond, and its samples rounded too)."""
        if self.sample_steps is not None:
            notification = rounded_notification(notification, self.sample_steps)
        time_ns = to_ns(notification.host_time_s)  # a compact one's: its microseconds, exactly
        stamped = Notification(notification.sensor, notification.channel, notification.payload, from_ns(time_ns))
        self._last_time_s = stamped.host_time_s
        if self.keep_history:
            self.history_.append(stamped, time_ns)
        if self._writer is not None:
            self._writer.write(stamped)
        if self._calibration is None and self._calibration_source is not None:
            calibration = self._calibration_source()
            if calibration is not None:
                self._calibration = (stamped.host_time_s, calibration.to_json())
                if self._writer is not None:
                    self._writer.write_calibration(*self._calibration)
        return stamped

    def mark(self, t: float, athlete: str) -> Mark:
        """Record a mark at session time ``t``."""
        mark = Mark(t, athlete)
        self.marks_.append(mark)
        if self._writer is not None:
            self._writer.write_mark(mark)
        return mark

    def start(self, path: str | Path) -> None:
        """Record into ``path`` from now, after what the session kept so far (its history,
        calibration and marks). Raises ValidationError when the file cannot be written.

        On an event loop, a long history (more than ``HISTORY_ON_LOOP`` notifications) is
        written by a thread while the session goes on (30 minutes take seconds to write, which
        would freeze the view); the recording is in progress (``path_``) from the start."""
        if self.session is None:
            raise RuntimeError("begin(session) first")
        self.stop()
        writer = RecordingWriter(path, self.session)
        upto = len(self.history_)
        loop = running_loop()
        if loop is None or upto <= HISTORY_ON_LOOP:
            _write_all(writer, self.history_, 0, upto)
            self._filled(writer, upto)
            return
        self._filling, self._fill_upto, self._fill_error = writer, upto, None
        self._fill_thread = threading.Thread(target=self._fill, args=(writer, upto, loop), daemon=True)
        self._fill_thread.start()

    def _fill(self, writer: RecordingWriter, upto: int, loop: asyncio.AbstractEventLoop) -> None:
        """Thread: write the history so far, then let the loop take over the writer."""
        try:
            _write_all(writer, self.history_, 0, upto)
        except AnkletError as exc:  # e.g. the disk filled up: the session goes on unrecorded
            _log.error("%s", exc)
            self._fill_error = exc
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._abandon, writer)
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed: end() finishes the file
            loop.call_soon_threadsafe(self._filled_by_thread, writer, upto)

    def _filled_by_thread(self, writer: RecordingWriter, upto: int) -> None:
        if self._filling is writer:  # else end() has finished it already
            self._filling = self._fill_thread = None
            self._filled(writer, upto)

    def _abandon(self, writer: RecordingWriter) -> None:
        if self._filling is writer:
            self._filling = self._fill_thread = None
            with contextlib.suppress(AnkletError):
                writer.close()

    def _filled(self, writer: RecordingWriter, upto: int) -> None:
        """The history up to ``upto`` is written: add what came since, the calibration and the
        marks, and record from here on."""
        _write_all(writer, self.history_, upto, len(self.history_))
        if self._calibration is not None:
            writer.write_calibration(*self._calibration)
        for mark in self.marks_:
            writer.write_mark(mark)
        writer.flush()
        self._writer = writer
        if self._ended:  # the session is over: all of it is in, finish the file now
            self.stop()

    def stop(self) -> Path | None:
        """Finish the recording in progress (summary and index written); its path, or None."""
        writer, self._writer = self._writer, None
        if writer is None:
            return None
        writer.close()
        self.saved_.append(writer.path)
        return writer.path

    def toggle(self) -> str:
        """Start or stop recording (a new file beside the first, named by the time); one
        sentence saying what happened."""
        if self._filling is not None:
            return f"still writing the session so far into {self._filling.path}; press r again in a moment"
        if self._writer is not None:
            path = self.stop()
            return f"recording stopped: {path}"
        if self.session is None:
            return "nothing to record yet: the sensors are still connecting"
        if not self.keep_history and self._last_time_s > 0:
            return "recording can only start with the session here (no history kept)"
        path = self._next_path()
        self.start(path)
        return f"saved the whole session to {path}" if self._ended else f"recording from the session's start into {path}"

    def flush(self) -> None:
        """Put what has been recorded on disk."""
        if self._writer is not None:
            self._writer.flush()

    def flush_waiting(self) -> None:
        """Put on disk what has waited longer than a chunk would (``RecordingTransport``'s timer
        calls it while the sensors are silent)."""
        if self._writer is not None:
            self._writer.flush_waiting(self._writer.chunk_every_s + SILENCE_AFTER_CHUNK_S)

    def end(self) -> None:
        """The session is over: finish the recording in progress (waiting for a thread still
        writing the history). A later ``start`` writes the whole session (when history is
        kept) and finishes at once."""
        self._ended = True
        writer, thread = self._filling, self._fill_thread
        if writer is not None and thread is not None:
            thread.join()
            self._filling = self._fill_thread = None
            if self._fill_error is None:
                self._filled(writer, self._fill_upto)
            else:
                with contextlib.suppress(AnkletError):
                    writer.close()
        self.stop()

    def _next_path(self) -> Path:
        folder = self.first_path.parent if self.first_path is not None else Path.cwd()
        name = self.first_path.stem if self.first_path is not None else f"anklet-{self.session.title or 'session'}"
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = folder / f"{name}-{stamp}.mcap"
        counter = 2
        while path.exists() or path in self.saved_:
            path = folder / f"{name}-{stamp}-{counter}.mcap"
            counter += 1
        return path

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.end()


class RecordingTransport(Transport):
    """``inner``'s notifications, each handed to ``recorder`` as the pipeline receives it.

    Entering it enters ``inner``; leaving it leaves ``inner`` and ends the recorder, so the
    file is finished as soon as the session is over. While it streams, a timer flushes the
    recording when the sensors pause (``FLUSH_CHECK_EVERY_S``), so that a silence of the sensors
    leaves nothing behind in memory."""

    def __init__(self, inner: Transport, recorder: Recorder) -> None:
        self.inner = inner
        self.recorder = recorder

    async def __aenter__(self) -> Self:
        await self.inner.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        try:
            await self.inner.__aexit__(exc_type, exc, traceback)
        finally:
            self.recorder.end()

    async def notifications(self) -> AsyncIterator[Notification]:
        flusher = asyncio.create_task(self._flush_while_streaming())
        try:
            async for notification in self.inner.notifications():
                yield self.recorder.take(notification)
        finally:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher

    async def _flush_while_streaming(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_CHECK_EVERY_S)
            self.recorder.flush_waiting()


def _write_all(writer: RecordingWriter, history: NotificationHistory, start: int, stop: int) -> None:
    """Write ``history[start:stop]`` (which the loop may be appending to meanwhile)."""
    for index in range(start, stop):
        writer.write(history[index])
