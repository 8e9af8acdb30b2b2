"""Reading a recording, also one that was cut off or damaged: everything readable is kept.

MCAP's own readers stop at the first error (a file killed mid-write has no summary and ends
in a partial record). This reader walks the records itself (each is an opcode byte and a
length), parses each with mcap's record classes, and checks each chunk's CRC: a damaged chunk
is skipped and the rest read; where the records themselves stop making sense (the end of a
file cut off, or garbage) it stops and keeps what came before.

Each chunk's notifications are put back in the order they were written (format 2.0 stores
data notifications in per-sensor blocks, and every notification's order in its chunk); a
format 1.0 file holds them one message each, already in order.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from io import BytesIO
from itertools import repeat
from pathlib import Path
from typing import Any

from mcap.data_stream import ReadDataStream
from mcap.opcode import Opcode
from mcap.records import Channel, Chunk, Header, Message, Metadata
from mcap.stream_reader import breakup_chunk

from anklet.errors import ValidationError
from anklet.recording._block import BadBlock, BlockEntries, ParsedBlock, block_entries, block_samples, parse_block
from anklet.recording._format import (
    CALIBRATION_TOPIC,
    FORMAT_NAME,
    FORMAT_VERSION,
    MARKS_TOPIC,
    MCAP_MAGIC,
    PROFILE,
    SESSION_METADATA,
    from_ns,
    is_mcap,
    topic_parts,
)
from anklet.recording._session import Mark, SessionInfo, channel_map
from anklet.transport import Notification

_RECORD_HEAD = struct.Struct("<BQ")
_OPCODES = frozenset(Opcode)


@dataclass
class Recording:
    """What a recording holds.

    Attributes
    ----------
    session
        The session's description (sensors, activity, athlete, sample rate...).
    notifications
        Every notification read, in the order the pipeline received them, stamped with their
        host arrival times (s).
    calibration, calibration_time_s
        The session's calibration (``Calibration.to_json()``), when it was recorded, and the
        session time it became known, s.
    marks
        The coach's marks, in time order.
    complete
        Whether the file ends as a finished recording does (summary, index, closing magic).
    notes
        One sentence per thing that was wrong with the file and what was kept despite it.
    """

    path: Path
    session: SessionInfo
    notifications: list[Notification] = field(default_factory=list)
    calibration: dict[str, Any] | None = None
    calibration_time_s: float = 0.0
    marks: list[Mark] = field(default_factory=list)
    complete: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        """Session time of the last notification, s (0 without any)."""
        return self.notifications[-1].host_time_s if self.notifications else 0.0


def is_recording(path: str | Path) -> bool:
    """Whether ``path`` is an MCAP file (judged by its first bytes, not its name)."""
    try:
        with open(path, "rb") as file:
            return is_mcap(file.read(len(MCAP_MAGIC)))
    except OSError:
        return False


def read_recording(path: str | Path) -> Recording:
    """Read the recording at ``path``, keeping whatever can be read.

    A file cut off (killed while recording) or with damaged chunks is read as far as it goes,
    and ``notes`` says what was lost. Raises ValidationError with one sentence when there is
    nothing to read: no such file, an empty file, not an MCAP file, an MCAP file that is not an
    anklet recording, a newer major format version, or a file cut off before its session.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot read the recording {path}: {exc.strerror or exc}") from None
    if not data:
        raise ValidationError(f"{path} is empty: no recording in it")
    if not is_mcap(data):
        raise ValidationError(f"{path} is not an anklet recording: it is not an MCAP file")
    return _Walk(path, data).read()


class _Walk:
    """One pass over a file's records."""

    def __init__(self, path: Path, data: bytes) -> None:
        self.path, self.data = path, data
        self.topics: dict[int, str] = {}
        self.session_values: dict[str, str] | None = None
        self.profile = ""
        self.chunks: list[list[Message]] = []  # the messages of each chunk (a message outside chunks: its own)
        self.damaged_chunks: list[tuple[float, float]] = []
        self.bad_blocks: list[str] = []
        self.blocks: dict[int, BlockEntries] = {}  # id of a block's message -> what it holds
        self.major = FORMAT_VERSION[0]
        self.complete = False
        self.stopped_at: int | None = None  # where the records stopped making sense

    def read(self) -> Recording:
        self._walk()
        if self.session_values is None:
            self._refuse_without_session()
        values = self.session_values
        self._check_version(values)
        session = SessionInfo.from_metadata(values, self.path.name)
        for channel_id, topic in channel_map(values).items():
            self.topics.setdefault(channel_id, topic)
        recording = Recording(self.path, session, complete=self.complete)
        self._sort_messages(recording)
        recording.notes = self._notes(recording)
        return recording

    def _walk(self) -> None:
        data, offset = self.data, len(MCAP_MAGIC)
        while offset + _RECORD_HEAD.size <= len(data):
            opcode, length = _RECORD_HEAD.unpack_from(data, offset)
            body_start = offset + _RECORD_HEAD.size
            if opcode not in _OPCODES or body_start + length > len(data):
                break  # cut off here, or garbage: nothing after it can be trusted
            body = data[body_start : body_start + length]
            try:
                self._record(opcode, body)
            except _DamagedChunk as chunk:
                self.damaged_chunks.append(chunk.span_s)
            except Exception:  # noqa: BLE001 (mcap raises anything from struct.error to UnicodeDecodeError)
                break
            offset = body_start + length
            if opcode == Opcode.FOOTER:
                self.complete = data[offset:] == MCAP_MAGIC
                return
        self.stopped_at = offset

    def _record(self, opcode: int, body: bytes) -> None:
        stream = ReadDataStream(BytesIO(body))
        if opcode == Opcode.HEADER:
            self.profile = Header.read(stream).profile
        elif opcode == Opcode.METADATA:
            metadata = Metadata.read(stream)
            if metadata.name == SESSION_METADATA and self.session_values is None:
                self.session_values = metadata.metadata
        elif opcode == Opcode.CHANNEL:
            self._channel(Channel.read(stream))
        elif opcode == Opcode.MESSAGE:
            self.chunks.append([Message.read(stream, len(body))])
        elif opcode == Opcode.CHUNK:
            self._chunk(Chunk.read(stream))

    def _chunk(self, chunk: Chunk) -> None:
        try:
            records = breakup_chunk(chunk, validate_crc=True)
        except Exception:  # noqa: BLE001 (a damaged chunk fails its CRC or its decompression)
            raise _DamagedChunk(from_ns(chunk.message_start_time), from_ns(chunk.message_end_time)) from None
        messages = []
        for record in records:
            if isinstance(record, Channel):
                self._channel(record)
            elif isinstance(record, Message):
                messages.append(record)
        self.chunks.append(messages)

    def _channel(self, channel: Channel) -> None:
        """The first declaration of a channel counts: it lies in a chunk, whose CRC guards it;
        the summary's copy of it is guarded by nothing, and a damaged byte in it would rename
        a sensor."""
        self.topics.setdefault(channel.id, channel.topic)

    def _refuse_without_session(self) -> None:
        anklet_topics = any(topic_parts(topic) for topic in self.topics.values())
        if self.stopped_at is not None and (self.profile in (PROFILE, "") or anklet_topics):
            raise ValidationError(
                f"{self.path} breaks off before its session description (byte {self.stopped_at}): nothing in it can be used"
            )
        if self.profile == PROFILE or anklet_topics:
            raise ValidationError(f"{self.path} is an anklet MCAP file without its session description: it cannot be replayed")
        raise ValidationError(f"{self.path} is an MCAP file but not an anklet recording (no anklet session in it)")

    def _check_version(self, values: dict[str, str]) -> None:
        if values.get("format") != FORMAT_NAME:
            raise ValidationError(f"{self.path} is an MCAP file but not an anklet recording (format {values.get('format')!r})")
        version = values.get("format_version", "")
        try:
            major = int(version.split(".")[0])
        except ValueError:
            raise ValidationError(f"{self.path} has no readable format version ({version!r})") from None
        self.major = major
        if major > FORMAT_VERSION[0]:
            raise ValidationError(
                f"{self.path} is an anklet recording of format version {version}, newer than this anklet reads "
                f"(up to {FORMAT_VERSION[0]}.x): update anklet to read it"
            )

    def _sort_messages(self, recording: Recording) -> None:
        """Notifications in the order the pipeline received them (chunk by chunk, each sorted by
        the order it stores; a stable sort, so a 1.0 file's all-zero sequences keep file order),
        marks in time order."""
        self.blocks = self._decode_blocks()
        for messages in self.chunks:
            chunk = _ChunkNotifications()
            for message in messages:
                topic = self.topics.get(message.channel_id)
                if topic is None:
                    continue  # its channel's declaration was lost with a damaged chunk, and the session does not list it
                parts = topic_parts(topic)
                if parts is not None:
                    self._notifications(parts, message, chunk)
                else:
                    self._session_message(recording, topic, message)
            recording.notifications += chunk.in_order()
        recording.marks.sort()

    def _notifications(self, parts: tuple[str, str], message: Message, chunk: _ChunkNotifications) -> None:
        """Each notification ``message`` holds into ``chunk``, with what it is sorted by."""
        sensor, channel = parts
        if channel != "data" or self.major < 2:
            chunk.notifications.append(Notification(sensor, channel, message.data, from_ns(message.log_time)))
            chunk.orders.append(message.sequence)
            chunk.times_ns.append(message.log_time)
            chunk.channel_ids.append(message.channel_id)
            return
        block = self.blocks.get(id(message))
        if block is None:
            return  # it did not decode (noted)
        times_ns = block.times_ns.tolist()
        chunk.notifications += map(
            Notification, repeat(sensor), repeat(channel), block.payloads, (block.times_ns / 1e9).tolist()  # from_ns, at once
        )
        chunk.orders += [None] * len(times_ns) if block.order is None else block.order.tolist()
        chunk.times_ns += times_ns
        chunk.channel_ids += [message.channel_id] * len(times_ns)

    def _decode_blocks(self) -> dict[int, BlockEntries]:
        """Every block of a 2.0 file, by the id of its message; one that does not decode is left
        out with a note. Each sensor's samples are decoded all at once (``block_samples``)."""
        if self.major < 2:
            return {}
        parsed: dict[int, list[tuple[Message, ParsedBlock]]] = {}  # data channel id -> its blocks
        for messages in self.chunks:
            for message in messages:
                parts = topic_parts(self.topics.get(message.channel_id, ""))
                if parts is None or parts[1] != "data":
                    continue
                try:
                    parsed.setdefault(message.channel_id, []).append((message, parse_block(message.data)))
                except BadBlock:
                    self._bad_block(message)
        decoded = {}
        for blocks in parsed.values():
            just_blocks = [block for _, block in blocks]
            for (message, _), entries in zip(blocks, block_entries(just_blocks, block_samples(just_blocks)), strict=True):
                if entries is None:
                    self._bad_block(message)
                else:
                    decoded[id(message)] = entries
        return decoded

    def _bad_block(self, message: Message) -> None:
        sensor, _ = topic_parts(self.topics[message.channel_id])
        self.bad_blocks.append(f"{sensor} at {from_ns(message.log_time):.1f} s")

    def _session_message(self, recording: Recording, topic: str, message: Message) -> None:
        if topic == CALIBRATION_TOPIC:
            recording.calibration = json.loads(message.data)
            recording.calibration_time_s = from_ns(message.log_time)
        elif topic == MARKS_TOPIC:
            mark = json.loads(message.data)
            recording.marks.append(Mark(float(mark["t"]), str(mark["athlete"])))

    def _notes(self, recording: Recording) -> list[str]:
        notes = []
        if not self.complete:
            where = f"byte {self.stopped_at} of {len(self.data)}" if self.stopped_at is not None else "its footer"
            notes.append(
                f"{self.path} is not a finished recording (it breaks off at {where}, as when the recorder is "
                f"killed): read the first {recording.duration_s:.1f} s; `anklet recover` rewrites it whole"
            )
        if self.damaged_chunks:
            lost_s = sum(end - start for start, end in self.damaged_chunks)
            spans = ", ".join(f"{start:.1f}-{end:.1f} s" for start, end in self.damaged_chunks[:5])
            notes.append(f"{self.path}: skipped {len(self.damaged_chunks)} damaged chunk(s), about {lost_s:.1f} s ({spans})")
        if self.bad_blocks:
            where = ", ".join(self.bad_blocks[:5])
            notes.append(f"{self.path}: skipped {len(self.bad_blocks)} block(s) of data that could not be decoded, 0.5 s each ({where})")
        return notes


@dataclass
class _ChunkNotifications:
    """A chunk's notifications as read, and what they are sorted by: each one's stored order
    (None when the chunk was written in time order), else its arrival time and channel.
    (Columns, not an object per notification: a 30-min file holds 360 000 of them.)"""

    notifications: list[Notification] = field(default_factory=list)
    orders: list[int | None] = field(default_factory=list)
    times_ns: list[int] = field(default_factory=list)
    channel_ids: list[int] = field(default_factory=list)

    def in_order(self) -> list[Notification]:
        """The notifications in the order the pipeline received them (a stable sort)."""
        if None in self.orders:  # written in time order: no order stored
            keys: list[Any] = list(zip(self.times_ns, self.channel_ids))
        else:
            keys = self.orders
        return [self.notifications[index] for index in sorted(range(len(keys)), key=keys.__getitem__)]


class _DamagedChunk(Exception):
    def __init__(self, start_s: float, end_s: float) -> None:
        self.span_s = (start_s, end_s)
