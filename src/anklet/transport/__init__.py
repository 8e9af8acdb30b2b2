"""Transports: where raw sensor notifications come from (virtual sensors, BLE)."""

from anklet.transport._base import Transport
from anklet.transport._notification import Channel, Notification

__all__ = ["Channel", "Notification", "Transport"]
