"""``anklet demo --headless --mqtt URL``: every message type reaches a real broker's
subscriber, on its topic, with the payload the headless JSON has (angles decimated and
compact), and the broker retains the station's goodbye and its flags."""

from __future__ import annotations

import json

import pytest

from anklet.mqtt import ANGLE_KEYS, AngleDecimator, PublisherParams, decode

from .conftest import SESSIONS
from .listen import MESSAGE_TYPES, retained

ADDED_KEYS = {"v", "wall_s", "station", "athlete"}  # what MQTT adds to a headless message
def _flag_of(message: dict) -> tuple:
    return (message["side"], message["flag"]) if message["type"] == "flag" else ()


def _without(message: dict, keys: set[str]) -> dict:
    return {key: value for key, value in message.items() if key not in keys}


def test_every_message_type_arrives_on_its_topic(runs):
    types = set()
    for scenario, (_headless, received) in runs.items():
        station = f"bench_{scenario}"  # the space is not a topic character
        for topic, payload in received:
            message = decode(topic, payload)
            assert message is not None, (topic, payload)
            assert (message["station"], message["athlete"]) == (station, "default")
            suffix = f"flag/{message['side']}/{message['flag']}" if message["type"] == "flag" else message["type"]
            assert topic == f"anklet/{station}/default/{suffix}"
            types.add(message["type"])
    assert types == MESSAGE_TYPES


@pytest.mark.parametrize("scenario", SESSIONS)
def test_payloads_are_the_headless_messages(runs, scenario):
    headless, received = runs[scenario]
    decoded = [decode(topic, payload) for topic, payload in received]
    # what happened: exactly the headless messages, in their order
    for kind in ("event", "stride", "rep", "flag", "assessment"):  # each in its order (flags: each flag's topic)
        got = [_without(m, ADDED_KEYS) for m in decoded if m["type"] == kind]
        assert sorted(got, key=_flag_of) == sorted([m for m in headless if m["type"] == kind], key=_flag_of)
    # the status: the pipeline's, plus the publisher's state and counters; then the goodbye
    statuses = [m for m in decoded if m["type"] == "status"]
    online, goodbye = statuses[:-1], statuses[-1]
    assert [_without(m, ADDED_KEYS | {"state", "mqtt"}) for m in online] == [m for m in headless if m["type"] == "status"]
    assert {m["state"] for m in online} == {"online"} and goodbye["state"] == "offline"
    assert goodbye["mqtt"]["sent"] == len(decoded) - 1 and goodbye["mqtt"]["buffered"] == 0
    assert goodbye["mqtt"]["dropped_stream"] == goodbye["mqtt"]["dropped_kept"] == goodbye["mqtt"]["reconnects"] == 0
    # the angles: the headless ones decimated to 5 Hz, each side compact and to 0.1 deg
    decimator = AngleDecimator(PublisherParams().angles_hz)
    expected = [m for m in headless if m["type"] == "angles" and decimator.keep(m)]
    angles = [m for m in decoded if m["type"] == "angles"]
    assert [m["t"] for m in angles] == [m["t"] for m in expected]
    assert len(angles) == pytest.approx(5 * SESSIONS[scenario], abs=2)  # 5 a second of the session
    for got, want in zip(angles, expected, strict=True):
        for side in ("left", "right"):
            for key in ANGLE_KEYS:
                if want[side][key] is None:
                    assert got[side][key] is None
                else:
                    assert got[side][key] == pytest.approx(want[side][key], abs=0.05 + 1e-9)


def test_angles_payload_is_compact(runs):
    _, received = runs["restricted_pf_right"]
    payload = json.loads(next(p for topic, p in reversed(received) if topic.endswith("/angles")))
    assert set(payload) == {"v", "type", "t", "wall_s", "left", "right"}
    assert payload["v"] == 1 and len(payload["left"]) == len(ANGLE_KEYS)


def test_broker_retains_the_goodbye_and_the_flags(broker, runs):
    kept = {topic: json.loads(payload) for topic, payload in retained(broker.port, "anklet/bench_restricted_pf_right/#")}
    assert kept["anklet/bench_restricted_pf_right/default/status"]["state"] == "offline"
    headless, _ = runs["restricted_pf_right"]
    flags = {(m["side"], m["flag"]): m for m in headless if m["type"] == "flag"}
    assert flags  # the scenario raises flags
    for (side, flag), message in flags.items():
        assert _without(kept[f"anklet/bench_restricted_pf_right/default/flag/{side}/{flag}"], ADDED_KEYS) == message


@pytest.fixture(scope="module")
def runs(published):
    return published[0]


def test_headless_watch_prints_what_the_broker_delivered(published):
    runs, (watched, stderr) = published
    assert stderr == ""
    delivered = [decode(topic, payload) for _, received in runs.values() for topic, payload in received]
    # MQTT keeps the order of each topic, not across topics (a broker may hold a subscriber's
    # QoS 1 messages while its QoS 0 ones go on)
    assert sorted(watched, key=_topic_of) == sorted(delivered, key=_topic_of)


def _topic_of(message: dict) -> tuple:
    return message["station"], message["type"], message.get("side", "") if message["type"] == "flag" else "", message.get("flag", "")
