"""Topics and payloads: every message type encodes and decodes back to DESIGN.md's form, and
whatever else arrives on a broker is skipped, not a crash."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anklet.mqtt import AngleDecimator, decode, encode, message_topic, offline_status, parse_topic, subscription_topic, topic_level
from anklet.mqtt._subscriber import _level_pattern

MESSAGES = [
    {"type": "angles", "t": 12.3, "left": {"dorsiflexion_deg": -3.14, "inversion_deg": None, "rotation_deg": 1.26},
     "right": {"dorsiflexion_deg": 8.0, "inversion_deg": 0.5, "rotation_deg": -0.04}},
    {"type": "event", "t": 12.5, "side": "left", "event": "TO"},
    {"type": "stride", "t": 13.0, "side": "right", "ankle_angle_at_to_deg": -7.8, "restricted_pf": True},
    {"type": "rep", "t": 10.7, "side": "left", "max_dorsiflexion_deg": 42.9, "restricted_df": False},
    {"type": "flag", "t": 40.0, "side": "right", "flag": "restricted_pf", "active": True, "evidence": {"strides": []}},
    {"type": "assessment", "t": 23.7, "test": "knee_to_wall", "side": "left", "passed": True},
    {"type": "status", "t": 1.0, "sensors": [{"name": "left_foot", "connected": True}], "calibrated": False},
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: m["type"])
def test_every_type_round_trips(message):
    topic = message_topic("treadmill 2", "Anna Berg", message)
    decoded = decode(topic, encode(message | {"wall_s": 1700000000.12345}))
    assert decoded.pop("station") == "treadmill_2" and decoded.pop("athlete") == "Anna_Berg"
    assert decoded.pop("v") == 1 and decoded.pop("wall_s") == 1700000000.123
    if message["type"] == "angles":  # compact: to 0.1 deg
        assert decoded == {"type": "angles", "t": 12.3, "left": {"dorsiflexion_deg": -3.1, "inversion_deg": None, "rotation_deg": 1.3},
                           "right": {"dorsiflexion_deg": 8.0, "inversion_deg": 0.5, "rotation_deg": 0.0}}
    else:
        assert decoded == message


def test_topics():
    assert message_topic("t1", "ann", MESSAGES[4]) == "anklet/t1/ann/flag/right/restricted_pf"
    assert message_topic("t1", "ann", MESSAGES[1]) == "anklet/t1/ann/event"
    assert topic_level("a/b+#c") == "a_b__c" and topic_level("") == "_"
    assert parse_topic("anklet/t1/ann/flag") is None and parse_topic("anklet/t1/ann/angles/x") is None
    assert parse_topic("other/t1/ann/angles") is None
    assert decode("anklet/t1/ann/status", offline_status()) == {"v": 1, "type": "status", "state": "offline", "station": "t1", "athlete": "ann"}


@pytest.mark.parametrize("payload", [b"", b"not json", b"[]", b'{"v":2,"type":"event","t":1}', b'{"v":1,"type":"rep","t":1}',
                                     b'{"v":1,"type":"event"}', b'{"v":1,"type":"angles","t":1,"left":[1,2]}',
                                     b'{"v":1,"type":"event","t":NaN}', b"\xff\xfe"])
def test_what_is_not_an_anklet_message_is_skipped(payload):
    assert decode("anklet/t1/ann/event", payload) is None  # the rep: not the type its topic says


@given(st.sampled_from(["anklet/s/a/angles", "anklet/s/a/flag/left/x", "anklet/s/a/status", "x/y"]), st.binary(max_size=80))
def test_any_bytes_decode_or_are_skipped(topic, payload):
    message = decode(topic, payload)
    assert message is None or (message["v"] == 1 and "station" in message)


@given(st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)))
def test_any_json_decodes_or_is_skipped(value):
    payload = json.dumps({"v": 1, "type": "angles", "t": 1.0, "left": value})
    message = decode("anklet/s/a/angles", payload.encode())
    assert message is None or set(message["left"]) == {"dorsiflexion_deg", "inversion_deg", "rotation_deg"}


def test_decimation_keeps_the_first_angles_of_each_period():
    decimator = AngleDecimator(5.0)
    kept = [t for t in [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 1.0, 1.05] if decimator.keep({"t": t})]
    assert kept == [0.0, 0.2, 0.4, 0.6, 1.0]


def test_a_station_pattern_is_spelled_as_the_topic_levels():
    assert subscription_topic("treadmill 2") == "anklet/treadmill_2/+/#"
    assert subscription_topic("treadmill-*") == "anklet/+/+/#"
    assert _level_pattern("gym a/treadmill-[12]") == "gym_a_treadmill-[12]"
