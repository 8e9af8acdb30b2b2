"""Running events (IC, MS, TO) from the foot sensors against the simulator's truth, live and offline."""

from __future__ import annotations

import numpy as np
import pytest

from anklet.bench import (
    TARGET_TO_ANGLE_MAE_DEG,
    BenchConditions,
    score_session,
)
from anklet.files import ImuTable
from anklet.gait import GaitEventDetector, detect_events
from anklet.geometry import rotation_x, rotation_y
from anklet.pipeline import table_from_notifications
from anklet.sim import load_scenario, simulate

RATE_HZ = 200.0


def _true_times(session, side: str, event: str) -> np.ndarray:
    return np.array([e.t for e in session.motion.truth.events if e.side == side and e.event == event])


def _found_times(events, side: str, event: str) -> np.ndarray:
    return np.array([e.t for e in events if e.side == side and e.event == event])


def _nearest_error_s(found: np.ndarray, at: np.ndarray) -> np.ndarray:
    return np.array([found[np.argmin(np.abs(found - t))] - t for t in at])


@pytest.mark.parametrize(("speed_mps", "strike", "seed"), [(3.0, "rearfoot", 0), (5.5, "forefoot", 1), (4.0, "midfoot", 2)])
def test_foot_only_data_meets_the_issue_targets_for_ic_and_to(running, assert_event_targets, speed_mps, strike, seed):
    """Random mounting, IMU errors, clock drift and 5 % bursty loss; the two foot sensors only."""
    session, _ = running(speed_mps, strike, seed, 40.0)
    scores, no_angles = score_session(session, BenchConditions())
    assert no_angles is not None  # without shank sensors there are no ankle angles, and no need for them
    assert_event_targets(scores, min_events=81)


def test_toe_off_timing_costs_the_angle_at_toe_off_under_half_a_degree(running):
    session, _ = running(3.5, "rearfoot", 3, 40.0, feet_only=False)
    scores, failure = score_session(session, BenchConditions())
    assert failure is None
    assert scores["ours"]["TO"].to_timing_mae_deg <= 0.5  # the true angle at our TO vs at the true TO


def test_ankle_angle_at_toe_off_meets_the_issue_target(running):
    """Under bench loss, the session that missed (2.8 deg) until both accelerometers steered
    the dorsiflexion (fusion.AccelerometerFlexion)."""
    session, _ = running(3.5, "rearfoot", 3, 40.0, feet_only=False)
    scores, _ = score_session(session, BenchConditions())
    assert scores["ours"]["TO"].to_angle_mae_deg <= TARGET_TO_ANGLE_MAE_DEG


def test_live_chunks_give_the_offline_events(running, live_events):
    _, table = running(4.0, "midfoot", 4, 30.0)
    offline = detect_events(table, RATE_HZ)
    assert len(offline) > 200
    rng = np.random.default_rng(5)
    for max_rows in (1, 9, 400):
        found, live = live_events(table, RATE_HZ, max_rows, rng)
        assert sorted(found) == offline
        assert sorted(live.events_) == offline


def test_each_toe_off_is_reported_within_150_ms(running):
    """Row by row without loss: every TO but each foot's first (which fits the contact model on
    its own push-off first) is out 150 ms after it happened, at most."""
    session, table = running(3.5, "rearfoot", 6, 20.0, loss_pct=0.0)
    live, latency = GaitEventDetector(RATE_HZ), {"left": [], "right": []}
    for row in range(len(table.t)):
        for event in live.update(table.rows(slice(row, row + 1))):
            if event.event == "TO":
                latency[event.side].append(table.t[row] - event.t)
    for side, seconds in latency.items():
        assert len(seconds) == len(_true_times(session, side, "TO"))
        assert max(seconds[1:]) <= 0.15
        assert np.median(seconds) <= 0.03


def test_events_in_lost_samples_are_placed_inside_the_gap(running):
    """Blank 40 ms around IC and TO of every third stride of the left foot and a whole stance
    (300 ms): each is still found, inside its gap, from the stride rhythm."""
    session, table = running(3.5, "rearfoot", 7, 30.0, loss_pct=0.0)
    ics, tos = _true_times(session, "left", "IC"), _true_times(session, "left", "TO")
    ics, tos = ics[ics > 8.0][::3], tos[tos > 8.0][::3]
    whole_stance = (ics[4] - 0.02, ics[4] + 0.28)
    blanks = [(t - 0.02, t + 0.02) for t in [*ics[:4], *tos[:4]]] + [whole_stance]
    lost = np.zeros(len(table.t), dtype=bool)
    for start, stop in blanks:
        lost |= (table.t >= start) & (table.t <= stop)
    acc = {name: np.where(lost[:, None], np.nan, a) if name == "left_foot" else a for name, a in table.acc.items()}
    gyr = {name: np.where(lost[:, None], np.nan, g) if name == "left_foot" else g for name, g in table.gyr.items()}
    events = detect_events(ImuTable(table.t, acc, gyr), RATE_HZ)
    for kind, blanked in (("IC", ics[:5]), ("TO", tos[:5])):
        errors = _nearest_error_s(_found_times(events, "left", kind), blanked)
        assert np.all(np.abs(errors) <= 0.02), (kind, errors)
    for kind in ("IC", "TO"):  # and nothing else moved
        scored = _true_times(session, "left", kind)
        errors = _nearest_error_s(_found_times(events, "left", kind), scored[scored > 5.0])
        assert np.all(np.abs(errors) <= 0.02)


def test_no_events_while_standing_or_squatting(running):
    session, table = running(3.0, "rearfoot", 8, 12.0)
    first_to = min(e.t for e in session.motion.truth.events if e.event == "TO")
    events = detect_events(table, RATE_HZ)
    assert events and min(e.t for e in events) >= first_to - 0.01
    still = table.rows(slice(0, int(np.searchsorted(table.t, first_to - 0.3))))
    assert detect_events(still, RATE_HZ) == []
    squats = simulate(BenchConditions().apply(load_scenario("squats")), seed=0, duration_s=30.0)
    assert detect_events(table_from_notifications(squats.notifications()), RATE_HZ) == []


def test_events_do_not_depend_on_how_the_sensor_is_turned(running):
    """Laces or the side of the shoe: every feature is orientation-free (norms, and directions
    measured in the sensor's own frame), so a sensor turned another way gives the same events."""
    _, table = running(4.5, "rearfoot", 9, 25.0)
    turn = (rotation_y(np.radians(90.0)) @ rotation_x(np.radians(37.0)))[0]
    turned = ImuTable(
        table.t,
        {name: a @ turn.T for name, a in table.acc.items()},
        {name: g @ turn.T for name, g in table.gyr.items()},
    )
    events, events_turned = detect_events(table, RATE_HZ), detect_events(turned, RATE_HZ)
    assert [(e.side, e.event) for e in events] == [(e.side, e.event) for e in events_turned]
    np.testing.assert_allclose([e.t for e in events], [e.t for e in events_turned], atol=1e-6)


def test_a_chunk_that_starts_right_after_a_long_gap_gives_the_offline_events(running):
    """Live chunks once began just after a 0.36 s hole in a foot's samples that ended in its
    stance: the look back for the last sample stopped at the longest bridgeable gap, the hole
    counted as infinitely long and the detector raised OverflowError (anklet demo, 28 s). Holes
    of 0.25-0.4 s over a landing, each chunk cut exactly where the samples come back."""
    session, table = running(3.0, "rearfoot", 0, 30.0, loss_pct=0.0)
    ics = _true_times(session, "right", "IC")
    ics = ics[ics > 8.0][::4][:5]
    holes = [(ic - length + 0.06, ic + 0.06) for ic, length in zip(ics, np.linspace(0.25, 0.4, len(ics)))]
    lost = np.zeros(len(table.t), dtype=bool)
    for start, stop in holes:
        lost |= (table.t >= start) & (table.t < stop)
    acc = {name: np.where(lost[:, None], np.nan, a) if name == "right_foot" else a for name, a in table.acc.items()}
    gyr = {name: np.where(lost[:, None], np.nan, g) if name == "right_foot" else g for name, g in table.gyr.items()}
    holed = type(table)(table.t, acc, gyr)
    offline = detect_events(holed, RATE_HZ)
    cuts = sorted(int(np.searchsorted(table.t, stop)) for _, stop in holes)
    live, found = GaitEventDetector(RATE_HZ), []
    for start, stop in zip([0, *cuts], [*cuts, len(table.t)]):
        found += live.update(holed.rows(slice(start, stop)))
    assert sorted(found) == offline
    assert sum(e.event == "IC" and e.side == "right" for e in offline) >= len(_true_times(session, "right", "IC")) - 1
