"""The anklet recording format: an MCAP file whose names and version this module fixes.

A recording is an MCAP file (profile ``anklet``) with

- a metadata record ``anklet.session``, written first (string values; JSON where noted):
  ``format`` (``anklet-recording``), ``format_version`` (``MAJOR.MINOR``), ``anklet_version``,
  ``created_utc``, ``source``, ``title``, ``activity``, ``sample_rate_hz``, ``sensors`` (JSON
  list, in the pipeline's order), ``sensor_info`` (JSON: per sensor what the transport knew
  on connecting), ``athlete`` (JSON: the whole profile) and ``channels`` (JSON: channel id ->
  topic, so messages stay readable when the chunk that declared their channel is lost);
- one channel per sensor and GATT characteristic, ``/sensors/{sensor}/{channel}`` (channel
  ``data``, ``status`` or ``connection``). A ``data`` channel (encoding ``anklet.gatt.block``)
  holds one message per chunk: a block (``_block``) of the sensor's data notifications that
  arrived in that chunk, log time = publish time = the first one's arrival. ``status`` and
  ``connection`` (encoding ``anklet.gatt``) hold one message per notification, its payload
  unchanged, log time = publish time = its host arrival time. Every notification carries its
  order among the chunk's notifications (a block's inside it, another's as its MCAP
  sequence), which a reader sorts each chunk's by;
- ``/calibration`` (JSON, ``Calibration.to_json()``) once the session has calibrated, and
  ``/marks`` (JSON: ``t``, ``athlete``) for each moment the coach marked.

Times are nanoseconds of session time (the clock the pipeline stamps arrivals with). A compact
recording (version 3.0, metadata ``sample_steps``: JSON ``[accelerometer, gyroscope]`` counts)
rounds the samples and the arrival times before the pipeline sees them (``_compact``). A reader
refuses a newer major version; minor versions only add. Version 1 had no blocks: every
notification was a message of its own, in file order (sequence 0), which ``read_recording``
still reads.
"""

from __future__ import annotations

from typing import Final

FORMAT_NAME: Final = "anklet-recording"
FORMAT_VERSION: Final = (3, 0)
"""The newest version this anklet reads, and what it writes for a compact recording (whose
blocks a 2.x reader would skip as undecodable)."""
LOSSLESS_FORMAT_VERSION: Final = (2, 0)
"""What it writes for a lossless recording: nothing in it needs more than a 2.0 reader."""
PROFILE: Final = "anklet"
SESSION_METADATA: Final = "anklet.session"
NOTIFICATION_ENCODING: Final = "anklet.gatt"
BLOCK_ENCODING: Final = "anklet.gatt.block"
JSON_ENCODING: Final = "json"
CALIBRATION_TOPIC: Final = "/calibration"
MARKS_TOPIC: Final = "/marks"
CHANNELS: Final = ("data", "status", "connection")
MCAP_MAGIC: Final = b"\x89MCAP0\r\n"


def notification_topic(sensor: str, channel: str) -> str:
    return f"/sensors/{sensor}/{channel}"


def topic_parts(topic: str) -> tuple[str, str] | None:
    """(sensor, channel) of a notification topic; None for any other topic."""
    parts = topic.split("/")
    if len(parts) == 4 and parts[:2] == ["", "sensors"] and parts[3] in CHANNELS:
        return parts[2], parts[3]
    return None


def to_ns(time_s: float) -> int:
    """Session seconds as the recording's nanoseconds (never negative: MCAP times are unsigned)."""
    return max(0, round(time_s * 1e9))


def to_us_in_ns(time_s: float) -> int:
    """Session seconds as a compact recording keeps them: nanoseconds, to the microsecond."""
    return max(0, round(time_s * 1e6)) * 1000


def from_ns(time_ns: int) -> float:
    """The recording's nanoseconds as session seconds. A notification is handed to the pipeline
    stamped ``from_ns(to_ns(t))``, so a replay sees the very floats the session saw."""
    return time_ns / 1e9


def is_mcap(head: bytes) -> bool:
    """Whether a file starting with ``head`` is an MCAP file (by its magic, not its name)."""
    return head.startswith(MCAP_MAGIC)
