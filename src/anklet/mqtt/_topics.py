"""The topic layout: ``anklet/{station}/{athlete}/{type}``, one topic per message type, and
``anklet/{station}/{athlete}/flag/{side}/{flag}`` for flags, one topic per flag so that the
broker can retain each flag's state (a view that subscribes late sees the flags that are up).

A station is one host beside a treadmill; its athletes are the profiles it measures. Each
name becomes one topic level: characters MQTT gives a meaning (``/``, ``+``, ``#``) and
anything but letters, digits, ``.``, ``_`` and ``-`` become ``_``, so a topic level is always
one level and a subscriber's wildcards mean what they say.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

__all__ = ["MESSAGE_TYPES", "ROOT", "SUBSCRIBE_ALL", "TopicParts", "message_topic", "parse_topic", "topic_for", "topic_level"]

ROOT = "anklet"
MESSAGE_TYPES = ("status", "angles", "event", "stride", "rep", "flag", "assessment")
"""DESIGN.md's message types; each has a topic of its own."""
SUBSCRIBE_ALL = f"{ROOT}/+/+/#"
"""Every station's every athlete's every message: what ``anklet watch`` subscribes."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


class TopicParts(NamedTuple):
    station: str
    athlete: str
    kind: str


def topic_level(name: str) -> str:
    """``name`` as one safe topic level (``Anna Berg`` -> ``Anna_Berg``; empty -> ``_``)."""
    return _UNSAFE.sub("_", name) or "_"


def topic_for(station: str, athlete: str, kind: str) -> str:
    """The topic of ``kind`` (a message type) for ``athlete`` at ``station``."""
    return f"{ROOT}/{topic_level(station)}/{topic_level(athlete)}/{kind}"


def message_topic(station: str, athlete: str, message: dict[str, Any]) -> str:
    """The topic ``message`` (a DESIGN.md message) is published on."""
    topic = topic_for(station, athlete, message["type"])
    if message["type"] == "flag":
        topic += f"/{topic_level(message['side'])}/{topic_level(message['flag'])}"
    return topic


def parse_topic(topic: str) -> TopicParts | None:
    """The station, athlete and message type of an anklet topic; None for any other topic."""
    parts = topic.split("/")
    if len(parts) < 4 or parts[0] != ROOT or parts[3] not in MESSAGE_TYPES:
        return None
    if len(parts) != (6 if parts[3] == "flag" else 4):
        return None
    return TopicParts(parts[1], parts[2], parts[3])
