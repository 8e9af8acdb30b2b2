import dataclasses
import functools

import pytest

from anklet.bench import TARGET_DETECTED_PCT, TARGET_MEDIAN_MS, TARGET_SPURIOUS_PCT, BenchConditions, running_scenario
from anklet.gait import GaitEventDetector
from anklet.pipeline import table_from_notifications
from anklet.sim import load_scenario, simulate

FEET = ("left_foot", "right_foot")


@functools.cache
def _run(speed_mps: float, strike: str, seed: int, duration_s: float, feet_only: bool, loss_pct: float):
    conditions = BenchConditions(loss_pct=loss_pct)
    scenario = running_scenario(conditions.apply(load_scenario("easy_run")), speed_mps, strike)
    if feet_only:
        scenario = dataclasses.replace(scenario, sensors=FEET)
    session = simulate(scenario, seed=seed, duration_s=duration_s)
    return session, table_from_notifications(session.notifications())


@pytest.fixture(scope="session")
def running():
    """``running(speed_mps, strike, seed, duration_s, feet_only=True, loss_pct=5.0) ->
    (SimulatedSession, ImuTable)``: easy_run at that speed and strike under the bench
    conditions (random mounting, IMU errors, clock drift, bursty loss), through the offline
    grid; each built once per test run."""

    def build(speed_mps, strike, seed, duration_s, feet_only=True, loss_pct=5.0):
        return _run(speed_mps, strike, seed, duration_s, feet_only, loss_pct)

    return build


@pytest.fixture(scope="session")
def assert_event_targets():
    """``assert_event_targets(scores, min_events)``: our IC and TO in ``score_session``'s
    scores meet the issue targets, each over at least ``min_events`` true events."""

    def check(scores, min_events: int) -> None:
        for event in ("IC", "TO"):
            score = scores["ours"][event]
            assert score.true_events >= min_events, event
            assert score.median_abs_ms <= TARGET_MEDIAN_MS, event
            assert score.detected_pct >= TARGET_DETECTED_PCT, event
            assert score.spurious_pct <= TARGET_SPURIOUS_PCT, event

    return check


@pytest.fixture(scope="session")
def live_events():
    """``live_events(table, rate_hz, max_rows, rng) -> (events, detector)``: ``table`` fed to a
    live ``GaitEventDetector`` in chunks of 1 to ``max_rows`` rows at random, the events its
    updates returned, in the order they came."""

    def feed(table, rate_hz, max_rows, rng):
        detector, found, start = GaitEventDetector(rate_hz), [], 0
        while start < len(table.t):
            stop = min(start + int(rng.integers(1, max_rows + 1)), len(table.t))
            found += detector.update(table.rows(slice(start, stop)))
            start = stop
        return found, detector

    return feed
