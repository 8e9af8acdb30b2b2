"""The subscriber: every anklet message on a broker, decoded, for ``anklet watch``.

It subscribes ``anklet/+/+/#`` (or one station's topics) at QoS 1 and yields DESIGN.md
messages with their ``station`` and ``athlete``. A broker that cannot be reached or refuses
the login at the start is a BrokerError; one lost later is reconnected to, with backoff and
jitter, and the retained ``status`` of every station comes again on resubscribing.
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import aiomqtt

from anklet.mqtt._connection import Backoff, broker_client, broker_error, quiet_socket_race
from anklet.mqtt._payload import decode
from anklet.mqtt._topics import ROOT, SUBSCRIBE_ALL, topic_level
from anklet.mqtt._url import BrokerSettings

__all__ = ["broker_messages", "subscription_topic"]

_log = logging.getLogger(__name__)
_GLOB = frozenset("*?[")
_UNSAFE_IN_GLOB = re.compile(r"[^A-Za-z0-9._*?\[\]!-]")


def subscription_topic(station_pattern: str) -> str:
    """The topic filter for stations matching ``station_pattern`` (a glob, ``*`` for all):
    one station's own topics when it names one, else every station's."""
    if _GLOB.isdisjoint(station_pattern):
        return f"{ROOT}/{topic_level(station_pattern)}/+/#"
    return SUBSCRIBE_ALL


def _level_pattern(station_pattern: str) -> str:
    """The pattern as the topic levels spell names (``treadmill 2`` -> ``treadmill_2``)."""
    return _UNSAFE_IN_GLOB.sub("_", station_pattern)


async def broker_messages(broker: BrokerSettings, station_pattern: str = "*") -> AsyncIterator[dict[str, Any]]:
    """The anklet messages of the stations matching ``station_pattern``, as they arrive, until
    the caller stops iterating. Messages that are not anklet's (or of another schema version)
    are skipped."""
    with quiet_socket_race():
        async for message in _messages(broker, station_pattern):
            yield message


async def _messages(broker: BrokerSettings, station_pattern: str) -> AsyncIterator[dict[str, Any]]:
    topic = subscription_topic(station_pattern)
    pattern = _level_pattern(station_pattern)
    backoff = Backoff()
    connected_once = False
    while True:
        try:
            async with broker_client(broker) as client:
                await client.subscribe(topic, qos=1)
                if connected_once:
                    _log.warning("reconnected to the broker at %s", broker.display())
                connected_once = True
                backoff.reset()
                async for received in client.messages:
                    message = decode(str(received.topic), received.payload)
                    if message is not None and fnmatch.fnmatchcase(message["station"], pattern):
                        yield message
        except aiomqtt.MqttError as exc:
            if not connected_once:
                raise broker_error(exc, broker) from None
            if backoff.failures == 0:
                _log.warning("lost the broker at %s (%s); reconnecting", broker.display(), exc)
        await asyncio.sleep(backoff.next_s())
