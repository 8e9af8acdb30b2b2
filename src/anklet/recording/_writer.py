"""Writing a recording: MCAP, chunked, indexed, zstd-compressed, readable after a crash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from mcap.writer import CompressionType, Writer

from anklet import __version__
from anklet.errors import ValidationError
from anklet.recording._format import (
    CALIBRATION_TOPIC,
    CHANNELS,
    JSON_ENCODING,
    MARKS_TOPIC,
    NOTIFICATION_ENCODING,
    PROFILE,
    SESSION_METADATA,
    notification_topic,
    to_ns,
)
from anklet.recording._session import Mark, SessionInfo
from anklet.transport import Notification

CHUNK_EVERY_S = 0.5
"""A chunk is closed and handed to the operating system every this much arrival time, so a
process killed at any moment leaves on disk everything that arrived more than about this long
before (``flush`` does it at once, e.g. from a timer while the sensors are silent)."""
_LARGEST_CHUNK_BYTES = 4 * 2**20  # far more than 0.5 s holds: the time rule cuts the chunks


class RecordingWriter:
    """Writes one session's recording to ``path`` (created or replaced).

    ``write`` takes each notification as the pipeline received it, ``write_calibration`` and
    ``write_mark`` what the session learns later; ``close`` writes the summary and the index.
    Until then the file is still readable up to its last closed chunk (``read_recording``).
    Raises ValidationError with one sentence when the file cannot be written.
    """

    def __init__(self, path: str | Path, session: SessionInfo) -> None:
        self.path = Path(path)
        self.session = session
        self.notifications_ = 0
        try:
            self._file: IO[bytes] = open(self.path, "wb")  # noqa: SIM115 (closed by close())
        except OSError as exc:
            raise ValidationError(f"cannot write the recording {self.path}: {exc.strerror or exc}") from None
        self._mcap = Writer(self._file, chunk_size=_LARGEST_CHUNK_BYTES, compression=CompressionType.ZSTD)
        self._channels: dict[str, int] = {}
        self._next_chunk_s: float | None = None
        self._closed = False
        self._guarded(self._start)

    def _start(self) -> None:
        self._mcap.start(PROFILE, f"anklet {__version__}")
        for sensor in self.session.sensors:
            for channel in CHANNELS:
                self._channel(notification_topic(sensor, channel), NOTIFICATION_ENCODING)
        for topic in (CALIBRATION_TOPIC, MARKS_TOPIC):
            self._channel(topic, JSON_ENCODING)
        channels = {channel_id: topic for topic, channel_id in self._channels.items()}
        self._mcap.add_metadata(SESSION_METADATA, self.session.to_metadata(channels))
        self._file.flush()

    def _channel(self, topic: str, encoding: str) -> int:
        channel_id = self._channels.get(topic)
        if channel_id is None:
            channel_id = self._channels[topic] = self._mcap.register_channel(topic, encoding, 0)
        return channel_id

    def write(self, notification: Notification) -> None:
        """Record one notification, stamped with its host arrival time."""
        # a sensor the session did not list gets its channel now: it is still recorded
        channel_id = self._channel(notification_topic(notification.sensor, notification.channel), NOTIFICATION_ENCODING)
        time_ns = to_ns(notification.host_time_s)
        self._guarded(self._mcap.add_message, channel_id, time_ns, notification.payload, time_ns)
        self.notifications_ += 1
        if self._next_chunk_s is None:
            self._next_chunk_s = notification.host_time_s + CHUNK_EVERY_S
        elif notification.host_time_s >= self._next_chunk_s:
            self.flush()
            self._next_chunk_s = notification.host_time_s + CHUNK_EVERY_S

    def write_calibration(self, t: float, calibration: dict[str, Any]) -> None:
        """Record the session's calibration (``Calibration.to_json()``), known at session time ``t``."""
        self._json(CALIBRATION_TOPIC, t, calibration)
        self.flush()

    def write_mark(self, mark: Mark) -> None:
        self._json(MARKS_TOPIC, mark.t, mark._asdict())
        self.flush()

    def _json(self, topic: str, t: float, value: dict[str, Any]) -> None:
        data = json.dumps(value, separators=(",", ":")).encode()
        self._guarded(self._mcap.add_message, self._channels[topic], to_ns(t), data, to_ns(t))

    def flush(self) -> None:
        """Close the chunk in progress and hand everything to the operating system (which
        keeps it if the process is killed; not an fsync)."""
        if not self._closed:
            self._guarded(self._mcap.flush)

    def close(self) -> None:
        """Write the summary and the index and close the file; again, nothing happens."""
        if self._closed:
            return
        self._closed = True
        try:
            self._guarded(self._mcap.finish)
        finally:
            self._file.close()

    def _guarded(self, write, *args) -> None:  # noqa: ANN001 (any of the MCAP writer's methods)
        try:
            write(*args)
        except OSError as exc:
            raise ValidationError(
                f"cannot write the recording {self.path}: {exc.strerror or exc}; what was written before is kept"
            ) from None
