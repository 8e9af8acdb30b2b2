"""SensorLink across a lost link: connected=false while away, the away time counted as loss,
exactly, and the samples after the return timed as well as before."""

import numpy as np
import pytest

from anklet.pipeline import LivePipeline, SensorLink
from anklet.sim import load_scenario, simulate
from anklet.transport import Notification

SENSOR = "left_foot"
AWAY_S = (8.0, 11.5)


@pytest.fixture(scope="module")
def session():
    return simulate(load_scenario("easy_run"), seed=2, duration_s=20)


def _with_outage(notifications: list[Notification], sensor: str) -> list[Notification]:
    """``sensor``'s notifications withheld while away, with the transport's down/up reports."""
    start, end = AWAY_S
    kept = [n for n in notifications if not (n.sensor == sensor and start <= n.host_time_s < end)]
    kept.append(Notification(sensor, "connection", b"down", start))
    kept.append(Notification(sensor, "connection", b"up", end))
    return sorted(kept, key=lambda n: n.host_time_s)  # stable: a report goes before data at its time


def test_the_link_counts_the_outage_as_loss_exactly_and_keeps_its_clock(session):
    sensor = session.sensors[SENSOR]
    index_of = {payload: k for k, payload in enumerate(sensor.firmware.data.payloads)}
    link = SensorLink(SENSOR)
    received, errors_ms, states = set(), {"before": [], "after": []}, []
    for n in _with_outage(sensor.delivery.notifications, SENSOR):
        if n.channel == "connection":
            link.on_connection(n.payload)
            states.append((n.payload, link.link_up_, link.status(n.host_time_s + 0.01)["connected"]))
            continue
        if n.channel == "status":
            link.on_status(n.payload)
            continue
        timed = link.on_data(n.payload, n.host_time_s)
        if timed is None:
            continue
        k = index_of[n.payload]
        received.add(k)
        truth_s = sensor.samples.t[sensor.firmware.data.first_sample[k]]
        if n.host_time_s > 3.0:  # past the clock fit's warm-up
            errors_ms["before" if n.host_time_s < AWAY_S[0] else "after"].append(1e3 * (timed.t[0] - truth_s))
    assert states == [(b"down", False, False), (b"up", True, False)]  # no data yet right after "up"
    assert link.status(19.0)["connected"]

    expected_lost = (max(received) - min(received) + 1) - len(received)
    assert expected_lost >= 0.95 * (AWAY_S[1] - AWAY_S[0]) * 50  # the outage at 50 packets/s is most of it
    assert link.sequence.lost_packets_ == expected_lost
    assert link.malformed_ == 0

    before, after = np.array(errors_ms["before"]), np.array(errors_ms["after"])
    assert len(after) > 300
    assert abs(np.median(after) - np.median(before)) < 2.0  # ms: the same fit, no re-learning
    assert np.percentile(np.abs(after - np.median(before)), 95) < 10.0


def test_an_unknown_connection_report_is_counted_as_malformed():
    link = SensorLink(SENSOR)
    link.on_connection(b"sideways")
    assert link.malformed_ == 1 and link.link_up_


def test_status_messages_carry_the_transports_health_and_the_outage(session):
    health = {name: {"rssi_dbm": -61, "reconnects": 1, "mtu": 247, "connected": "the link's own wins"} for name in session.sensors}
    pipeline = LivePipeline(list(session.sensors), health=lambda: health)
    messages = pipeline.subscribe(maxsize=100_000)
    for notification in _with_outage(session.notifications(), SENSOR):
        pipeline.handle(notification)
    statuses = [m for m in messages.drain() if m["type"] == "status"]
    assert len(statuses) >= 15
    for message in statuses:
        for entry in message["sensors"]:
            assert {"name", "connected", "rate_hz", "received_hz", "loss_pct", "battery_pct", "clock_drift_ppm"} <= set(entry)
            assert (entry["rssi_dbm"], entry["reconnects"], entry["mtu"]) == (-61, 1, 247)
            assert isinstance(entry["connected"], bool)
            away = entry["name"] == SENSOR and AWAY_S[0] <= message["t"] < AWAY_S[1]
            assert entry["connected"] is not away
