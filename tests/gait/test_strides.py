"""Strides from events and angles, against the simulator's truth strides, and the symmetry of the sides."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from anklet.files import STRIDE_COLUMNS, ImuTable
from anklet.gait import GaitEvent, Stride, StrideBuilder, detect_events, strides_from_events, symmetry
from anklet.gait._strides import STRIDE_TIME_S, stride_gait
from anklet.pipeline import AngleChunk, angles_from_table, table_from_notifications
from anklet.sim import load_scenario, simulate

RATE_HZ = 200.0
THRESHOLDS = {"running": -15.0, "walking": -10.0}
FEET = ("left_foot", "right_foot")


def _events(*rows: tuple[float, str, str]) -> list[GaitEvent]:
    return [GaitEvent(t, side, event) for t, side, event in rows]


def test_stride_record_starts_with_the_strides_csv_columns():
    fields = list(Stride.__dataclass_fields__)
    assert fields[: len(STRIDE_COLUMNS)] == list(STRIDE_COLUMNS)


def test_running_stride_times_flight_and_angles_from_events():
    events = _events(
        (1.00, "left", "IC"), (1.25, "left", "TO"), (1.35, "right", "IC"), (1.60, "right", "TO"),
        (1.70, "left", "IC"), (1.95, "left", "TO"), (2.05, "right", "IC"),
    )
    t = np.arange(0.9, 2.2, 0.005)
    dorsiflexion = np.radians(np.interp(t, [1.0, 1.1, 1.25, 1.35, 1.7], [0.0, 20.0, -20.0, -27.0, 2.0]))
    angles = AngleChunk(t, {"left": np.column_stack([dorsiflexion, 0 * t, 0 * t])})
    strides = strides_from_events(events, angles, restricted_pf_to_deg=THRESHOLDS)
    assert [(s.side, s.ic_t, s.to_t, s.end_t) for s in strides] == [("left", 1.0, 1.25, 1.7), ("right", 1.35, 1.6, 2.05)]
    left, right = strides
    assert left.contact_time_s == pytest.approx(0.25) and left.flight_time_s == pytest.approx(0.10)
    assert left.stride_time_s == pytest.approx(0.70) and left.cadence_spm == pytest.approx(120 / 0.7)
    assert left.ankle_angle_at_ic_deg == pytest.approx(0.0, abs=1e-9)
    assert left.ankle_angle_at_to_deg == pytest.approx(-20.0, abs=1e-6)
    assert left.peak_dorsiflexion_deg == pytest.approx(20.0, abs=1e-6)
    assert left.peak_plantarflexion_deg == pytest.approx(-27.0, abs=1e-6)
    assert left.range_deg == pytest.approx(47.0, abs=1e-6)
    assert left.restricted_pf is False
    assert math.isnan(right.ankle_angle_at_to_deg) and right.restricted_pf is False  # no right angles


@pytest.mark.parametrize(("to_deg", "restricted"), [(-12.0, False), (-8.0, True)])
def test_a_walking_stride_is_judged_by_the_walking_threshold_and_has_no_flight(to_deg, restricted):
    events = _events(
        (1.0, "left", "IC"), (1.5, "right", "IC"), (1.65, "left", "TO"), (2.1, "left", "IC"),
    )
    t = np.arange(0.9, 2.2, 0.01)
    angles = AngleChunk(t, {"left": np.column_stack([np.radians(np.full_like(t, to_deg)), 0 * t, 0 * t])})
    (walk,) = strides_from_events(events, angles, restricted_pf_to_deg=THRESHOLDS)
    assert walk.flight_time_s == 0.0  # the right foot landed before the left one left
    assert walk.gait == "walking"  # on the ground 0.65 of 1.1 s
    assert walk.restricted_pf is restricted  # -12 deg: above the running threshold, not the walking one
    (unflagged,) = strides_from_events(events, angles)
    assert unflagged.restricted_pf is False


def test_gait_is_the_duty_factor_of_the_foot_alone():
    assert stride_gait(1.0, 1.55, 2.1) == "walking"  # 0.5 of the stride on the ground
    assert stride_gait(1.0, 1.54, 2.1) == "running"
    # the right foot's landing before the left TO was lost: a flight appears, the gait stays
    events = _events((1.0, "left", "IC"), (1.65, "left", "TO"), (2.0, "right", "IC"), (2.1, "left", "IC"))
    (walk,) = strides_from_events(events)
    assert walk.flight_time_s > 0.0 and walk.gait == "walking"


def _session_strides(scenario: str, seed: int, duration_s: float, **motion):
    """Strides from our events on the feet alone, and the truth's strides."""
    loaded = load_scenario(scenario)
    loaded = dataclasses.replace(loaded, sensors=FEET, mounting="aligned", motion={**loaded.motion, **motion})
    session = simulate(loaded, seed=seed, duration_s=duration_s)
    return session, table_from_notifications(session.notifications())


@pytest.mark.parametrize(
    ("scenario", "motion", "gait"),
    [("walking", {"speed_mps": 1.0}, "walking"), ("walking", {"speed_mps": 1.8}, "walking"),
     ("easy_run", {"speed_mps": 2.5}, "running"), ("easy_run", {"speed_mps": 5.5, "strike": "forefoot"}, "running")],
)
def test_every_stride_of_a_simulated_walk_or_run_has_its_gait(scenario, motion, gait):
    session, table = _session_strides(scenario, 20, 25.0, **motion)
    strides = strides_from_events(detect_events(table, RATE_HZ))
    assert len(strides) > 25
    assert all(s.gait == gait for s in _true_to_the_events(strides, session))


def _true_to_the_events(strides: list[Stride], session, tolerance_s: float = 0.02) -> list[Stride]:
    """The strides whose IC, TO and end each lie within ``tolerance_s`` of a true event of
    their kind: the gait must be right there (a misplaced event makes a stride no gait has)."""

    def true(t: float, side: str, kind: str) -> bool:
        return any(e.side == side and e.event == kind and abs(e.t - t) < tolerance_s for e in session.motion.truth.events)

    right = [s for s in strides if true(s.ic_t, s.side, "IC") and true(s.to_t, s.side, "TO") and true(s.end_t, s.side, "IC")]
    assert len(right) >= len(strides) - 2  # one misplaced event spoils two strides
    return right


def test_a_session_that_switches_from_walking_to_running_has_each_strides_gait():
    """25 s of walking, then the runner's recording (standing, the belt's ramp, running)
    straight after it: each detected stride takes the gait of the recording it lies in. The
    detector keeps the walker's rhythm for the first running strides (their ICs up to 60 ms
    early; docs/gait.md), which leaves their gait running."""
    walk, walk_table = _session_strides("walking", 21, 25.0)
    run, run_table = _session_strides("easy_run", 22, 25.0, speed_mps=3.0)
    run_table = ImuTable(run_table.t + 25.0, run_table.acc, run_table.gyr)
    strides = strides_from_events(detect_events(ImuTable.concatenate([walk_table, run_table]), RATE_HZ))
    walking = [s for s in strides if s.end_t < 25.0]
    running = [dataclasses.replace(s, ic_t=s.ic_t - 25.0, to_t=s.to_t - 25.0, end_t=s.end_t - 25.0)
               for s in strides if s.ic_t > 25.0]
    assert len(walking) + len(running) == len(strides)  # none across the switch
    assert len(walking) >= 0.95 * len(walk.motion.truth.strides) and len(walking) > 20
    assert len(running) >= 0.95 * len(run.motion.truth.strides) and len(running) > 30
    assert all(s.gait == "walking" for s in _true_to_the_events(walking, walk))
    assert all(s.gait == "running" for s in _true_to_the_events(running, run, tolerance_s=0.07))


def test_no_flight_time_from_a_landing_after_the_stride():
    """The right foot's landing after the left TO was lost: its next one, after the left
    stride's end, is not this flight's end."""
    events = _events((1.0, "left", "IC"), (1.25, "left", "TO"), (1.7, "left", "IC"), (2.05, "right", "IC"))
    (stride,) = strides_from_events(events)
    assert math.isnan(stride.flight_time_s)


def test_no_stride_without_its_toe_off_or_across_a_stop():
    events = _events((1.0, "left", "IC"), (1.7, "left", "IC"), (1.9, "left", "TO"), (9.0, "left", "IC"))
    assert strides_from_events(events) == []


def test_symmetry_medians_difference_and_index():
    def stride(side: str, contact_s: float, to_deg: float) -> Stride:
        return Stride(
            side, 0.0, contact_s, 0.7, contact_s, to_deg, False, 0.1, 0.7, 120 / 0.7, 0.0, 20.0, -25.0, 45.0, "running"
        )

    strides = [stride("left", 0.24, -20.0), stride("left", 0.26, -22.0), stride("right", 0.20, -10.0)]
    by_metric = {s.metric: s for s in symmetry(strides)}
    contact = by_metric["contact_time_s"]
    assert (contact.left, contact.right) == pytest.approx((0.25, 0.20))
    assert contact.difference == pytest.approx(0.05)
    assert contact.symmetry_index_pct == pytest.approx(100 * 0.05 / 0.225)
    to_angle = by_metric["ankle_angle_at_to_deg"]
    assert to_angle.difference == pytest.approx(-11.0) and math.isnan(to_angle.symmetry_index_pct)


def test_strides_of_a_simulated_run_follow_the_truth(running):
    session, table = running(3.5, "midfoot", 15, 40.0, feet_only=False)
    angles, _ = angles_from_table(table, RATE_HZ)
    strides = strides_from_events(detect_events(table, RATE_HZ), angles)
    truth = [s for s in session.motion.truth.strides if s.ic_t > 5.0]
    matched = []
    for true in truth:
        near = [s for s in strides if s.side == true.side and abs(s.ic_t - true.ic_t) < 0.05]
        if near:
            matched.append((near[0], true))
    assert len(matched) >= 0.97 * len(truth)
    contact_error_ms = [1000 * (s.contact_time_s - t.contact_time_s) for s, t in matched]
    assert np.median(np.abs(contact_error_ms)) < 5.0
    to_angle_error = [s.ankle_angle_at_to_deg - t.ankle_angle_at_to_deg for s, t in matched]
    assert np.nanmedian(np.abs(to_angle_error)) < 4.0


def _run_events(until_s: float, right_stops_s: float = math.inf) -> list[GaitEvent]:
    """Running at 0.7 s strides, contact 0.25 s; the right foot's events end at ``right_stops_s``."""
    events = []
    for start, side in ((1.0, "left"), (1.35, "right")):
        for ic_t in np.arange(start, until_s, 0.7):
            events += _events((ic_t, side, "IC"), (ic_t + 0.12, side, "MS"), (ic_t + 0.25, side, "TO"))
    return sorted(e for e in events if e.t < until_s and (e.side == "left" or e.t < right_stops_s))


def _run_angles(until_s: float) -> AngleChunk:
    t = np.arange(0.0, until_s, 1.0 / RATE_HZ)
    return AngleChunk(t, {side: np.column_stack([np.radians(25.0 * np.sin(2 * np.pi * (t - lag) / 0.7)), 0 * t, 0 * t])
                          for side, lag in (("left", 0.0), ("right", 0.35))})


def _feed_live(events: list[GaitEvent], angles: AngleChunk, *, angles_from_s: float, right_ic_late_s: float = 0.0):
    """Rows in 50 ms chunks up to 1 s past the angles, each event reported 150 ms after it (a
    right IC ``right_ic_late_s`` later still); no angles until the rows reach ``angles_from_s``
    (calibration), then 0.25 s of them per chunk until they catch up. Returns the builder's
    strides, each with the time the angles had reached when it came out."""
    builder, out, sent = StrideBuilder(restricted_pf_to_deg=THRESHOLDS), [], 0  # angle rows sent
    feet = {name: np.zeros((10, 3)) for name in ("left_foot", "right_foot")}
    reported = {e: e.t + 0.15 + (right_ic_late_s if (e.side, e.event) == ("right", "IC") else 0.0) for e in events}
    for chunk_end in np.arange(0.05, angles.t[-1] + 1.0, 0.05):
        rows = ImuTable(chunk_end - np.arange(10)[::-1] / RATE_HZ, feet, feet)
        now = [e for e in events if chunk_end - 0.05 < reported[e] <= chunk_end]
        out += [(s, angles.t[sent - 1] if sent else -math.inf) for s in builder.on_rows(rows, now)]
        if chunk_end >= angles_from_s:
            due = slice(sent, min(sent + round(0.25 * RATE_HZ), int(np.searchsorted(angles.t, chunk_end, "right"))))
            if due.stop > sent:
                piece = AngleChunk(angles.t[due], {side: a[due] for side, a in angles.angles.items()})
                sent = due.stop
                out += [(s, angles.t[sent - 1]) for s in builder.on_angles(piece)]
    return out + [(s, math.inf) for s in builder.finish()]


def _messages(strides: list[Stride]) -> list[dict]:
    return [stride.to_message() for stride in strides]  # NaN as None: comparable


def test_live_strides_are_the_offline_ones_and_wait_for_their_angles():
    events, angles = _run_events(30.0), _run_angles(30.0)
    live = _feed_live(events, angles, angles_from_s=12.0)
    offline = strides_from_events(events, angles, restricted_pf_to_deg=THRESHOLDS)
    assert len(offline) > 70
    assert _messages([s for s, _ in live]) == _messages(offline)  # the same strides, in IC order
    assert all(s.end_t <= angles_until for s, angles_until in live)
    assert not math.isinf(live[-3][1])  # only the last strides wait for the end of the stream


def test_a_silent_other_foot_holds_strides_for_the_longest_stride_only():
    events, angles = _run_events(20.0, right_stops_s=8.0), _run_angles(20.0)
    live = _feed_live(events, angles, angles_from_s=0.0)
    offline = strides_from_events(events, angles, restricted_pf_to_deg=THRESHOLDS)
    assert _messages([s for s, _ in live]) == _messages(offline)
    alone = [(s, until) for s, until in live if s.side == "left" and s.to_t > 8.0]
    assert len(alone) > 10 and all(math.isnan(s.flight_time_s) for s, _ in alone)
    held_s = STRIDE_TIME_S[1] + 0.05  # and the 50 ms chunk that passes it
    assert all(until <= s.end_t + held_s for s, until in alone if s.end_t + held_s < angles.t[-1])


def test_a_stride_waits_for_the_other_foots_landing_after_its_toe_off():
    """Here each right IC is reported half a second late (as a landing placed in a gap is,
    with its TO): the left strides wait for it, so their flight times are the offline ones."""
    events, angles = _run_events(20.0), _run_angles(20.0)
    live = _feed_live(events, angles, angles_from_s=0.0, right_ic_late_s=0.5)
    offline = strides_from_events(events, angles, restricted_pf_to_deg=THRESHOLDS)
    assert _messages([s for s, _ in live]) == _messages(offline)
    assert not any(math.isnan(s.flight_time_s) for s in offline[:-2])
