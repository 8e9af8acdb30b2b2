"""Writing a recording: MCAP, chunked, indexed, zstd-compressed, readable after a crash.

Data notifications wait in one block per sensor (``_block``) until the chunk closes; status
and connection notifications, calibration and marks go straight into the chunk. A reader
sorts each chunk's notifications by (arrival time, channel id), the blocks' in block order;
where that is not the order they were written in (an arrival time that goes back, a status
that arrived with its sensor's data but was written first), each one's order in the chunk
goes with it (a block's in the block, another's as its MCAP sequence) and the reader sorts by
that instead."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import IO, Any

from mcap.writer import CompressionType, IndexType, Writer

from anklet import __version__
from anklet.errors import ValidationError
from anklet.recording._block import encode_block
from anklet.recording._format import (
    BLOCK_ENCODING,
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
COMPACT_CHUNK_EVERY_S = 0.75
"""The same for a compact recording: its blocks are a third smaller than 0.5 s ones would be
together (each FLAC frame and chunk has its cost: 1.0 MB/h of running), and a kill still
loses less than the last second (a chunk waits 0.75 s and the next arrival, or the silence
timer's 0.8 s)."""
_LARGEST_CHUNK_BYTES = 4 * 2**20
"""A chunk is also closed once its notifications' payloads reach this size: far more than
0.5 s holds, so it only matters when arrival times stand still (a bad clock). The MCAP writer
never closes a chunk itself: a block must lie in the chunk of the notifications it is ordered
among."""
_NEVER = 2**62
_INDEXES = IndexType.CHUNK | IndexType.METADATA | IndexType.ATTACHMENT


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
        self._mcap = Writer(self._file, chunk_size=_NEVER, compression=CompressionType.ZSTD, index_types=_INDEXES)
        self._channels: dict[str, int] = {}
        self._blocks: dict[int, _PendingBlock] = {}  # data channel id -> its block in this chunk
        self._in_chunk = 0  # notifications written into the open chunk: the next one's order
        self._chunk_bytes = 0
        self._opened_s = 0.0  # monotonic clock when the open chunk got its first notification
        self._last_key = (0, 0)  # (arrival ns, channel id) of the chunk's last notification
        self._in_time_order = True  # whether the chunk's keys have never gone back
        self._next_chunk_s: float | None = None
        self._closed = False
        self.chunk_every_s = CHUNK_EVERY_S if session.sample_steps is None else COMPACT_CHUNK_EVERY_S
        self._guarded(self._start)

    def _start(self) -> None:
        self._mcap.start(PROFILE, f"anklet {__version__}")
        for sensor in self.session.sensors:
            for channel in CHANNELS:
                self._channel(notification_topic(sensor, channel), _encoding(channel))
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
        """Record one notification, stamped with its host arrival time (in a compact session,
        rounded as ``Recorder.take`` rounds it: ``rounded_notification``)."""
        # a sensor the session did not list gets its channel now: it is still recorded
        channel_id = self._channel(
            notification_topic(notification.sensor, notification.channel), _encoding(notification.channel)
        )
        time_ns = to_ns(notification.host_time_s)
        if self._in_chunk == 0:
            self._opened_s = time.monotonic()
        key = (time_ns, channel_id)
        if key < self._last_key:
            self._in_time_order = False
        self._last_key = key
        if notification.channel == "data":
            block = self._blocks.get(channel_id)
            if block is None:
                block = self._blocks[channel_id] = _PendingBlock()
            block.add(time_ns, self._in_chunk, notification.payload)
        else:
            self._guarded(self._mcap.add_message, channel_id, time_ns, notification.payload, time_ns, self._in_chunk)
        self._in_chunk += 1
        self._chunk_bytes += len(notification.payload)
        self.notifications_ += 1
        if self._next_chunk_s is None:
            self._next_chunk_s = notification.host_time_s + self.chunk_every_s
        elif notification.host_time_s >= self._next_chunk_s or self._chunk_bytes >= _LARGEST_CHUNK_BYTES:
            self.flush()
            self._next_chunk_s = notification.host_time_s + self.chunk_every_s

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
        if self._closed:
            return
        for channel_id, block in self._blocks.items():
            order = None if self._in_time_order else block.order
            data = encode_block(block.times_ns, order, block.payloads, self.session.sample_steps)
            self._guarded(self._mcap.add_message, channel_id, block.times_ns[0], data, block.times_ns[0])
        self._blocks.clear()
        self._in_chunk = self._chunk_bytes = 0
        self._last_key, self._in_time_order = (0, 0), True
        self._guarded(self._mcap.flush)

    def flush_waiting(self, longest_s: float) -> None:
        """Close the chunk in progress if its first notification has waited ``longest_s`` or
        more (of the monotonic clock): the sensors have fallen silent, and their arrival times
        will not close it. While they stream, they close it first, and no chunk is cut twice."""
        if self._in_chunk and time.monotonic() - self._opened_s >= longest_s:
            self.flush()

    def close(self) -> None:
        """Write the summary and the index and close the file; again, nothing happens."""
        if self._closed:
            return
        try:
            self.flush()
            self._guarded(self._mcap.finish)
        finally:
            self._closed = True
            self._file.close()

    def _guarded(self, write, *args) -> None:  # noqa: ANN001 (any of the MCAP writer's methods)
        try:
            write(*args)
        except OSError as exc:
            raise ValidationError(
                f"cannot write the recording {self.path}: {exc.strerror or exc}; what was written before is kept"
            ) from None


class _PendingBlock:
    """One sensor's data notifications of the open chunk, waiting to be encoded."""

    def __init__(self) -> None:
        self.times_ns: list[int] = []
        self.order: list[int] = []
        self.payloads: list[bytes] = []

    def add(self, time_ns: int, order: int, payload: bytes) -> None:
        self.times_ns.append(time_ns)
        self.order.append(order)
        self.payloads.append(payload)


def _encoding(channel: str) -> str:
    return BLOCK_ENCODING if channel == "data" else NOTIFICATION_ENCODING
