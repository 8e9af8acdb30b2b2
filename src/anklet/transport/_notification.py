"""The one thing every transport delivers: a raw GATT notification with its arrival time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Channel = Literal["data", "status", "connection"]


@dataclass(frozen=True, slots=True)
class Notification:
    """One notification as it reached the host.

    ``sensor`` is the sensor's role (``left_shank``, ...) or, before roles are known, its serial;
    ``channel`` says which characteristic sent it (``data``, ``status``), or ``connection``
    for a change of the link itself, which the transport reports in the same stream so that
    it stays in order with the data: payload ``b"down"`` when the link was lost, ``b"up"``
    when it is back (connected and subscribed); ``host_time_s`` is the host clock (session
    seconds) when the transport received it.
    """

    sensor: str
    channel: Channel
    payload: bytes
    host_time_s: float
