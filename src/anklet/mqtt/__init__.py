"""MQTT: live sessions published to a broker, and any number of coach views subscribed.

A station publishes each athlete's messages (DESIGN.md's, versioned) under
``anklet/{station}/{athlete}/{type}`` (:class:`Publication`, :class:`MqttPublisher`);
``anklet watch`` reads every station's back (:func:`broker_messages`). The live pipeline never
waits on the broker: the publisher buffers, drops stream data first, and reconnects on its
own. docs/mqtt.md documents every topic and payload.
"""

from anklet.mqtt._buffer import STREAM_TYPES, OutboundBuffer
from anklet.mqtt._connection import Backoff
from anklet.mqtt._payload import ANGLE_KEYS, SCHEMA_VERSION, AngleDecimator, decode, encode, offline_status
from anklet.mqtt._publisher import QOS, MqttPublisher, Publication, PublisherParams
from anklet.mqtt._subscriber import broker_messages, subscription_topic
from anklet.mqtt._topics import MESSAGE_TYPES, SUBSCRIBE_ALL, TopicParts, message_topic, parse_topic, topic_for, topic_level
from anklet.mqtt._url import PASSWORD_ENV, BrokerSettings, parse_broker_url

__all__ = [
    "ANGLE_KEYS",
    "MESSAGE_TYPES",
    "PASSWORD_ENV",
    "QOS",
    "SCHEMA_VERSION",
    "STREAM_TYPES",
    "SUBSCRIBE_ALL",
    "AngleDecimator",
    "Backoff",
    "BrokerSettings",
    "MqttPublisher",
    "OutboundBuffer",
    "Publication",
    "PublisherParams",
    "TopicParts",
    "broker_messages",
    "decode",
    "encode",
    "message_topic",
    "offline_status",
    "parse_broker_url",
    "parse_topic",
    "subscription_topic",
    "topic_for",
    "topic_level",
]
