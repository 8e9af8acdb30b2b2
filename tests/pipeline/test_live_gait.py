"""The live gait stage in the live pipeline (issue 5): the same events, strides and flags as
the offline analysis of the same notifications, TO events soon after the toe-off, and reps,
flags and assessments for the other activities.

Tolerances, and why: live and offline run the same detectors on grids a few µs apart (the
live clock sync can only look back), so event times may move by a row; their angles agree
within 0.05 deg after calibration (test_live_offline.py), so TO angles within 0.5 deg.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from anklet.gait import TallKneelingTest, analyze_session, live_gait, load_athlete
from anklet.pipeline import LivePipeline, angles_from_table, table_from_notifications
from anklet.sim import load_scenario, simulate

ATHLETE = load_athlete()
TO_LATENCY_S = 0.15  # the detector reports a TO once 150 ms of rows after it have come


class RowClock:
    """A stage that notes when the grid fixes each sensor's rows: per sensor, (host time, time
    of the last row)."""

    def __init__(self) -> None:
        self.host_s = math.nan  # of the notification being handled
        self.releases: dict[str, list[tuple[float, float]]] = {}

    def on_rows(self, rows) -> list[dict]:
        (sensor,) = rows.sensors
        self.releases.setdefault(sensor, []).append((self.host_s, float(rows.t[-1])))
        return []

    def on_angles(self, chunk) -> list[dict]:
        return []

    def finish(self) -> list[dict]:
        return []


def run_stepwise(session, clock: RowClock | None = None) -> list[tuple[float, dict]]:
    """The session through the live pipeline with the gait stage of its kind, one
    notification at a time: each message with the host time of the notification being handled
    when it was published (inf: published by ``finish``)."""
    clock = clock or RowClock()
    stage = live_gait(session.sample_rate_hz, ATHLETE, session.scenario.kind)
    pipeline = LivePipeline(list(session.sensors), stages=[clock, stage])
    subscription = pipeline.subscribe(maxsize=1_000_000)
    published = []
    for notification in session.notifications():
        clock.host_s = notification.host_time_s
        pipeline.handle(notification)
        published += [(notification.host_time_s, message) for message in subscription.drain()]
    pipeline.finish()
    return published + [(math.inf, message) for message in subscription.drain()]


def analyze_offline(session):
    table = table_from_notifications(session.notifications(), causal=True)
    angles, _ = angles_from_table(table, session.sample_rate_hz)
    return angles, analyze_session(table, session.sample_rate_hz, angles, ATHLETE)


def of_type(published: list[tuple[float, dict]], kind: str) -> list[dict]:
    return [message for _, message in published if message["type"] == kind]


@pytest.fixture(scope="module")
def restricted_run():
    """40 s of restricted_pf_right (the default light BLE loss): the live messages, when the
    grid released its rows, and the offline gait of the same notifications."""
    session = simulate(load_scenario("restricted_pf_right"), seed=0, duration_s=40)
    clock = RowClock()
    return session, run_stepwise(session, clock), analyze_offline(session)[1], clock.releases


def test_live_events_and_strides_are_the_offline_ones(restricted_run):
    session, published, offline, _ = restricted_run
    row_s = 1.0 / session.sample_rate_hz
    live_events = of_type(published, "event")
    assert len(offline.events) > 250
    for side in ("left", "right"):
        for kind in ("IC", "MS", "TO"):
            live_t = [m["t"] for m in live_events if (m["side"], m["event"]) == (side, kind)]
            offline_t = [e.t for e in offline.events if (e.side, e.event) == (side, kind)]
            assert len(live_t) == len(offline_t)
            np.testing.assert_allclose(live_t, offline_t, atol=row_s)

    live_strides = sorted(of_type(published, "stride"), key=lambda m: m["ic_t"])
    assert len(live_strides) == len(offline.strides) > 80
    for live, stride in zip(live_strides, offline.strides, strict=True):
        assert live["side"] == stride.side and live["t"] == live["end_t"]
        for name in ("ic_t", "to_t", "end_t"):
            assert live[name] == pytest.approx(getattr(stride, name), abs=row_s)
        if math.isnan(stride.ankle_angle_at_to_deg):
            assert live["ankle_angle_at_to_deg"] is None
        else:
            assert live["ankle_angle_at_to_deg"] == pytest.approx(stride.ankle_angle_at_to_deg, abs=0.5)


def test_live_flags_are_the_offline_ones_restricted_pf_on_the_right(restricted_run):
    _, published, offline, _ = restricted_run
    live = [(m["side"], m["flag"], m["active"]) for m in of_type(published, "flag")]
    assert live == [(f.side, f.flag, f.active) for f in offline.flags]
    assert ("right", "restricted_pf", True) in live and ("left", "restricted_pf", True) not in live
    (live_raised,) = [m["t"] for m in of_type(published, "flag") if m["flag"] == "restricted_pf"]
    (offline_raised,) = [f.t for f in offline.flags if f.flag == "restricted_pf"]
    assert live_raised == pytest.approx(offline_raised, abs=1.0 / 200)


def _to_messages(published: list[tuple[float, dict]]) -> list[tuple[float, dict]]:
    """The TO events after each foot's first (which waits for the push-off that fits the
    contact model: docs/gait.md, Limits), with their host time at publication."""
    tos, seen = [], set()
    for host_s, message in published:
        if message["type"] == "event" and message["event"] == "TO":
            if message["side"] in seen:
                tos.append((host_s, message))
            seen.add(message["side"])
    return tos


def test_to_events_are_published_within_150_ms():
    """On a link that loses nothing, each TO is out within 150 ms of session time (the rows
    it needs, plus the time the samples take to arrive): the stage holds nothing back."""
    scenario = load_scenario("restricted_pf_right")
    lossless = dataclasses.replace(scenario, link={"loss_prob": 0.0, "burst_enter_prob": 0.0})
    latencies = [host_s - m["t"] for host_s, m in _to_messages(run_stepwise(simulate(lossless, seed=1, duration_s=25)))]
    assert len(latencies) > 40
    assert max(latencies) <= TO_LATENCY_S


def test_to_events_are_published_within_150_ms_behind_a_shanks_loss_bursts():
    """Bursts of loss on the shanks (about one a second, 60-400 ms long) hold the angles back,
    never a foot's events: each TO is out within 150 ms, as on a lossless link."""
    scenario = load_scenario("restricted_pf_right")
    bursty_shanks = {"burst_enter_prob": 0.02, "mean_burst_len": 8.0}
    lossy = dataclasses.replace(
        scenario, link={"loss_prob": 0.0, "burst_enter_prob": 0.0},
        per_sensor_link={"left_shank": bursty_shanks, "right_shank": bursty_shanks})
    session = simulate(lossy, seed=1, duration_s=25)
    received = table_from_notifications(session.notifications())
    assert min(np.isnan(received.acc[name][:, 0]).mean() for name in ("left_shank", "right_shank")) > 0.05
    latencies = [host_s - m["t"] for host_s, m in _to_messages(run_stepwise(session))]
    assert len(latencies) > 40
    assert max(latencies) <= TO_LATENCY_S


def test_with_loss_a_to_waits_only_for_its_foots_rows(restricted_run):
    """With loss on a foot, its rows wait for the packets after the loss (and a hole behind
    lost packets for ``reorder_wait_s``): then a TO can come later than 150 ms, but never later
    than the fixing of its foot's row 150 ms after it, whatever the other sensors do."""
    _, published, _, releases = restricted_run
    tos = [(host_s, m) for host_s, m in _to_messages(published)
           if m["t"] + TO_LATENCY_S <= releases[f"{m['side']}_foot"][-1][1]]
    assert len(tos) > 40
    for host_s, message in tos:
        release_host_s, release_t = np.array(releases[f"{message['side']}_foot"]).T
        assert host_s <= release_host_s[np.searchsorted(release_t, message["t"] + TO_LATENCY_S - 1e-9)]
    assert np.median([host_s - m["t"] for host_s, m in tos]) <= TO_LATENCY_S


def test_strides_wait_for_their_angles_then_come_with_their_next_ic(restricted_run):
    """Strides come only once calibration releases the angles (the first 20 s and more are
    held); once the angles have caught up, with the IC that ends them (the angles of a row
    come with it then, save a few rows the declipper may hold)."""
    _, published, _, _ = restricted_run
    first_angles_host_s = next(host_s for host_s, m in published if m["type"] == "angles")
    ic_host_s = {(m["side"], m["t"]): host_s for host_s, m in published if m["type"] == "event" and m["event"] == "IC"}
    strides = [(host_s, m) for host_s, m in published if m["type"] == "stride"]
    assert min(host_s for host_s, _ in strides) >= first_angles_host_s
    after_ic = [host_s - ic_host_s[m["side"], m["end_t"]] for host_s, m in strides
                if first_angles_host_s + 5.0 < host_s < math.inf]
    assert len(after_ic) > 10 and min(after_ic) >= 0.0 and max(after_ic) <= 0.05


@pytest.fixture(scope="module")
def restricted_squats():
    session = simulate(load_scenario("squats_restricted"), seed=0, duration_s=45)
    return session, run_stepwise(session), analyze_offline(session)[1]


def test_squats_give_the_offline_reps_and_the_restricted_df_flag(restricted_squats):
    session, published, offline = restricted_squats
    reps, truth = of_type(published, "rep"), session.motion.truth
    assert len(reps) == len(offline.reps) == len(truth.reps)
    for live, rep in zip(sorted(reps, key=lambda m: (m["side"], m["start_t"])),
                         sorted(offline.reps, key=lambda r: (r.side, r.start_t)), strict=True):
        assert live["side"] == rep.side and live["t"] == live["end_t"]
        assert live["bottom_t"] == pytest.approx(rep.bottom_t, abs=0.05)
        assert live["max_dorsiflexion_deg"] == pytest.approx(rep.max_dorsiflexion_deg, abs=0.5)
    flags = {(m["side"], m["flag"], m["active"]) for m in of_type(published, "flag")}
    assert flags == {(f.side, f.flag, f.active) for f in offline.flags} == {
        (f["side"], f["flag"], True) for f in truth.flags}
    assert not of_type(published, "event")  # no gait detection in squats


def test_tall_kneeling_gives_the_assessments_of_the_test_run_offline():
    session = simulate(load_scenario("tall_kneeling"), seed=0)
    published = run_stepwise(session)
    angles, _ = analyze_offline(session)
    test = TallKneelingTest(session.sample_rate_hz, ATHLETE)
    offline = test.update(angles) + test.finish()
    live = of_type(published, "assessment")
    assert [(m["test"], m["side"], m["passed"]) for m in live] == [
        ("tall_kneeling", a["side"], a["passed"]) for a in offline]
    assert {a["side"] for a in offline} == {"left", "right"}
    for message, assessment in zip(live, offline, strict=True):
        assert message["max_plantarflexion_deg"] == pytest.approx(assessment["max_plantarflexion_deg"], abs=0.5)
    assert [(m["side"], m["flag"]) for m in of_type(published, "flag")] == [
        (f.side, f.flag) for f in test.flags_]
