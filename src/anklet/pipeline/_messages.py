"""The message schema of DESIGN.md (headless JSON lines, MQTT payloads, TUI updates)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from anklet.pipeline._angles import AngleChunk

ANGLE_KEYS = ("dorsiflexion_deg", "inversion_deg", "rotation_deg")


def angles_messages(chunk: AngleChunk, rate_hz: float, last_period: int) -> tuple[list[dict[str, Any]], int]:
    """One ``angles`` message per 1 / ``rate_hz`` of session time: the first row of each period
    after ``last_period`` (periods are counted on session time, so chunk boundaries do not
    shift them). Returns the messages and the last period now covered."""
    if not len(chunk):
        return [], last_period
    period = np.floor(chunk.t * rate_hz + 1e-9).astype(np.int64)
    first_rows = np.flatnonzero(np.diff(period, prepend=last_period) > 0)
    # as Python floats at once: a float of each array element costs more than the message
    angles = {side: a[first_rows].tolist() for side, a in chunk.angles.items()}
    messages = [angles_message(t, {side: rows[i] for side, rows in angles.items()})
                for i, t in enumerate(chunk.t[first_rows].tolist())]
    return messages, max(last_period, int(period[-1]))


def angles_message(t: float, angles: dict[str, np.ndarray]) -> dict[str, Any]:
    """``angles`` at session time ``t`` from per-side (3,) angles in rad (arrays or lists);
    missing ones (NaN) are null."""
    message: dict[str, Any] = {"type": "angles", "t": round(t, 3)}
    for side, values in angles.items():
        message[side] = {key: _degrees(value) for key, value in zip(ANGLE_KEYS, values, strict=True)}
    return message


def status_message(t: float, sensors: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"type": "status", "t": round(t, 3), "sensors": sensors, **extra}


def _degrees(value: float) -> float | None:
    return None if math.isnan(value) else round(math.degrees(value), 2)
