"""The one thing every transport delivers: a raw GATT notification with its arrival time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Channel = Literal["data", "status"]


@dataclass(frozen=True, slots=True)
class Notification:
    """One notification as it reached the host.

    ``sensor`` is the sensor's role (``left_shank``, ...) or, before roles are known, its serial;
    ``channel`` says which characteristic sent it; ``host_time_s`` is the host clock (session
    seconds) when the transport received it.
    """

    sensor: str
    channel: Channel
    payload: bytes
    host_time_s: float
