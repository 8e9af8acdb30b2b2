"""Gait: events (IC, MS, TO) and strides of running and walking from the foot sensors."""

from anklet.gait._events import GaitEventDetector, detect_events
from anklet.gait._foot_events import EVENT_KINDS, EventParams, FootEvents, GaitEvent

__all__ = [
    "EVENT_KINDS",
    "EventParams",
    "FootEvents",
    "GaitEvent",
    "GaitEventDetector",
    "detect_events",
]
