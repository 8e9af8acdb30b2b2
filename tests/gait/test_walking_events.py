"""Walking events (IC, TO) from the foot sensors against the simulator's truth, and recordings
that do not follow the protocol: a short standing period, stops and starts, turns, sensors on
the side of the shoe. Issue targets: median |error| <= 5 ms, >= 99 % detected, <= 1 % spurious."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest

from anklet.bench import (
    BenchConditions,
    robustness_case,
    score_session,
)
from anklet.gait import detect_events
from anklet.pipeline import table_from_notifications
from anklet.sim import load_scenario, simulate

RATE_HZ = 200.0
FEET = ("left_foot", "right_foot")


@functools.cache
def _case(name: str, seed: int, duration_s: float, speed_mps: float = 1.4):
    """A bench design on the foot sensors alone: ``walk`` at ``speed_mps`` or a robustness case."""
    conditions = BenchConditions()
    if name == "walk":
        scenario = conditions.apply(load_scenario("walking"))
        scenario = dataclasses.replace(scenario, motion={**scenario.motion, "speed_mps": speed_mps})
        record_from_s, score_from_s = 0.0, None
    else:
        case = robustness_case(name, conditions)
        scenario, record_from_s, score_from_s = case.scenario, case.record_from_s, case.score_from_s
    session = simulate(dataclasses.replace(scenario, sensors=FEET), seed=seed, duration_s=duration_s)
    return session, record_from_s, score_from_s


def _scores(session, record_from_s, score_from_s):
    scores, _ = score_session(session, BenchConditions(), record_from_s=record_from_s, score_from_s=score_from_s)
    return scores


@pytest.mark.parametrize(("speed_mps", "seed"), [(1.0, 0), (1.8, 1)])
def test_foot_only_walking_meets_the_issue_targets(assert_event_targets, speed_mps, seed):
    """Random mounting, IMU errors, clock drift and 5 % bursty loss; the two foot sensors only."""
    session, record_from_s, score_from_s = _case("walk", seed, 40.0, speed_mps)
    scores = _scores(session, record_from_s, score_from_s)
    assert_event_targets(scores, min_events=50)
    # the published foot-gyroscope detectors, on the same data, are tens of ms off
    assert abs(scores["to_zero_crossing"]["TO"].bias_ms) > 20.0
    assert scores["ic_gyro_minimum"]["IC"].median_abs_ms > 20.0


@pytest.mark.parametrize(
    ("case", "seed", "duration_s", "min_events"),
    [
        ("short_standing_walk", 2, 25.0, 35),
        ("short_standing_run", 3, 20.0, 35),
        ("stop_and_go", 4, 45.0, 55),
        ("turns", 5, 40.0, 55),
        ("shoe_side_walk", 6, 30.0, 40),
        ("shoe_side_run", 7, 25.0, 50),
    ],
)
def test_recordings_off_the_protocol_meet_the_issue_targets(assert_event_targets, case, seed, duration_s, min_events):
    """Scored from the recording's first row: gait initiation included."""
    session, record_from_s, score_from_s = _case(case, seed, duration_s)
    assert_event_targets(_scores(session, record_from_s, score_from_s), min_events)


def test_no_event_while_standing_at_a_stop():
    session, _, _ = _case("stop_and_go", 4, 45.0)
    events = detect_events(table_from_notifications(session.notifications()), RATE_HZ)
    truth = sorted(e.t for e in session.motion.truth.events if e.event in ("IC", "TO"))
    pauses = [(a, b) for a, b in zip(truth[:-1], truth[1:]) if b - a > 0.9]  # the stops' standing
    assert len(pauses) >= 4
    for a, b in pauses:
        assert not [e for e in events if e.event in ("IC", "TO") and a + 0.05 < e.t < b - 0.05]


def test_live_chunks_give_the_offline_events_through_stops_and_turns(live_events):
    session, _, _ = _case("turns", 5, 40.0)
    table = table_from_notifications(session.notifications())
    stops, _, _ = _case("stop_and_go", 4, 45.0)
    stop_table = table_from_notifications(stops.notifications())
    rng = np.random.default_rng(8)
    for table in (table, stop_table):
        offline = detect_events(table, RATE_HZ)
        for max_rows in (1, 57):
            found, _ = live_events(table, RATE_HZ, max_rows, rng)
            assert sorted(found) == offline


def test_live_chunks_give_the_offline_events_after_a_stop_of_2_5_s(live_events):
    """walking_hallway stops for 2.5 s at the end of each 10 m leg, both feet at rest. Live, the
    stop's rows were forgotten by the next landing, looked lost, and the search for strides lost
    in gaps put one into them by the rhythm (an IC and a TO the athlete never made, 16.6-17.8 s
    here); the whole table, and the truth, have none. A candidate inside the last foot-flat seen
    is no lost stride, whatever rows are still held."""
    session = simulate(load_scenario("walking_hallway"), seed=0, duration_s=25.0)
    table = table_from_notifications(session.notifications())
    offline = detect_events(table, RATE_HZ)
    truth = [e.t for e in session.motion.truth.events if e.event in ("IC", "TO")]
    assert not [t for t in truth if 16.2 < t < 18.4]  # the stop
    assert not [e for e in offline if e.event in ("IC", "TO") and 16.2 < e.t < 18.4]
    rng = np.random.default_rng(3)
    for max_rows in (1, 10, 200):
        found, _ = live_events(table, RATE_HZ, max_rows, rng)
        assert sorted(found) == offline


def test_live_chunks_give_the_offline_ic_after_a_foot_flat_that_began_in_a_gap(live_events):
    """A foot-flat right after lost samples is found on its first rows (it may have begun in
    the gap); live once measured the IC along the sole's normal of the two rows it held, the
    whole table along min_rest_s of rows: walking seed 3 under bench loss had an IC 4 ns apart
    at 13.09 s. Live waits for those rows now."""
    session, _, _ = _case("walk", 3, 30.0)
    table = table_from_notifications(session.notifications())
    offline = detect_events(table, RATE_HZ)
    rng = np.random.default_rng(3)
    for max_rows in (1, 7):
        found, _ = live_events(table, RATE_HZ, max_rows, rng)
        assert sorted(found) == offline
