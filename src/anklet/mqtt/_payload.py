"""MQTT payloads: DESIGN.md's messages as compact JSON, with the schema version ``v``.

Every payload is one JSON object: the message as ``--headless`` prints it, plus ``"v": 1``
and ``wall_s``, the publisher's Unix time when the pipeline handed it over (s, to the ms; a
subscriber on a synchronised clock reads the end-to-end delay from it). ``angles`` are
compact, each side a list in :data:`ANGLE_KEYS` order rounded to 0.1 deg, since they are
most of the traffic; :func:`decode` gives the schema's form back. The ``status`` topic's
last will is ``{"v": 1, "type": "status", "state": "offline"}``, and the publisher's goodbye
the same with its final counters (``mqtt``).
"""

from __future__ import annotations

import json
import math
from typing import Any

from anklet.geometry import SIDES
from anklet.mqtt._topics import parse_topic

__all__ = ["ANGLE_KEYS", "SCHEMA_VERSION", "AngleDecimator", "decode", "encode", "offline_status"]

SCHEMA_VERSION = 1
ANGLE_KEYS = ("dorsiflexion_deg", "inversion_deg", "rotation_deg")
"""The order of a compact ``angles`` side (anklet.pipeline's angle keys)."""


def encode(message: dict[str, Any]) -> bytes:
    """The payload of ``message`` (a DESIGN.md message, with ``wall_s`` if the publisher
    stamped it)."""
    payload = {"v": SCHEMA_VERSION} | (_compact_angles(message) if message["type"] == "angles" else message)
    if "wall_s" in message:
        payload["wall_s"] = round(message["wall_s"], 3)
    return json.dumps(payload, separators=(",", ":")).encode()


def offline_status(**extra: Any) -> bytes:
    """The retained ``status`` of a station that is gone: its will, or its goodbye, which adds
    ``extra`` (the publisher's final counters)."""
    return json.dumps({"v": SCHEMA_VERSION, "type": "status", "state": "offline", **extra}, separators=(",", ":")).encode()


def decode(topic: str, payload: bytes) -> dict[str, Any] | None:
    """The message a payload on ``topic`` carries, in DESIGN.md's form, with ``station`` and
    ``athlete`` (the topic's levels) added; None when it is not an anklet message of this
    schema version (another tool's topic, a newer version, damaged JSON)."""
    parts = parse_topic(topic)
    if parts is None:
        return None
    try:
        message = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(message, dict) or message.get("v") != SCHEMA_VERSION or message.get("type") != parts.kind:
        return None
    if parts.kind == "angles" and not _expand_angles(message):
        return None
    if "t" in message and not _finite_number(message["t"]):
        return None
    if "t" not in message and message.get("state") != "offline":
        return None
    message["station"], message["athlete"] = parts.station, parts.athlete
    return message


class AngleDecimator:
    """Lets through the first ``angles`` message of each 1 / ``rate_hz`` of session time (periods
    counted on session time, as the pipeline counts its own, so the pace does not matter)."""

    def __init__(self, rate_hz: float) -> None:
        self.rate_hz = rate_hz
        self._last_period = -1

    def keep(self, message: dict[str, Any]) -> bool:
        period = math.floor(message["t"] * self.rate_hz + 1e-9)
        if period <= self._last_period:
            return False
        self._last_period = period
        return True


def _compact_angles(message: dict[str, Any]) -> dict[str, Any]:
    compact: dict[str, Any] = {"type": "angles", "t": message["t"]}
    for side in SIDES:
        if side in message:
            values = message[side] or {}
            compact[side] = [None if values.get(key) is None else round(values[key], 1) + 0.0 for key in ANGLE_KEYS]
    return compact


def _expand_angles(message: dict[str, Any]) -> bool:
    """Turn compact sides back into ``{key: deg}`` in place; False if they are not compact sides."""
    for side in SIDES:
        if side not in message:
            continue
        values = message[side]
        if not isinstance(values, list) or len(values) != len(ANGLE_KEYS):
            return False
        if not all(value is None or _finite_number(value) for value in values):
            return False
        message[side] = dict(zip(ANGLE_KEYS, values, strict=True))
    return True


def _finite_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
