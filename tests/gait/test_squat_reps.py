"""Squat reps and the restricted_df flag through the real chain: simulate (bench conditions:
random mounting, IMU errors, 5 % bursty BLE loss, clock drift) -> notifications ->
table_from_notifications -> angles_from_table -> RepDetector, against the simulator's truth.

Tolerances, and why:
- count: no rep is invented or doubled, and every truth rep is found unless the angles miss
  1 s or more of it (the pipeline withholds angles for seconds after some loss bursts; such
  a stretch ends or drops the rep under way, see SegmentParams.max_gap_s);
- max dorsiflexion, pooled over the reps of 5 seeds: median error <= 0.5 deg, 95th
  percentile <= 2 deg, none beyond 10 deg. At 5 % bursty loss a burst can hide the bottom
  of a rep or leave the fused angle several degrees off for seconds (docs/accuracy.md: squat
  max error 5-8 deg); measured here: median 0.17, p95 1.4, max 8.7 deg. Without loss every
  rep is within 1 deg: the detector itself adds no error beyond the angle's;
- bottom time: within 0.45 s per rep and a pooled median within 0.15 s. Any moment of the
  0.4 s bottom pause is "the bottom"; the truth takes its middle. The detector takes the
  middle of the time within 10 % of the excursion of the maximum, which the simulator's
  descent (longer than its ascent) pulls about 0.1 s earlier, and a loss burst can tilt the
  pause (measured: median 0.11 s, p95 0.18 s, max 0.40 s);
- start/end: the end within 0.6 s of the truth's; the start no earlier than the motion
  starts and at most 0.6 s after the truth's start_t. The detector's rep runs from leaving
  to regaining the 2 deg band around standing, the truth's from its designed keypoints. From
  the second rep on, the simulator's descent already begins at the end of the previous rep
  (no keypoint holds the 1 s pause at the top), up to 1 s before the truth's start_t.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import numpy as np
import pytest

from anklet.bench._accuracy import BenchConditions
from anklet.files import REP_COLUMNS, write_records
from anklet.gait._athlete import load_athlete
from anklet.gait._squat import Rep, RepDetector, detect_reps
from anklet.gait._squat_flag import RestrictedDfFlag
from anklet.pipeline import AngleChunk, AngleEstimator, angles_from_table, table_from_notifications
from anklet.sim import load_scenario, simulate

SEEDS = range(5)
FLAG_SEEDS = range(12)
PROFILE = load_athlete()


@functools.cache
def _session(name: str, seed: int, loss_pct: float = 5.0):
    """Simulated session, estimated angles and detected reps (each built once per run)."""
    session = simulate(BenchConditions(loss_pct=loss_pct).apply(load_scenario(name)), seed=seed)
    chunk, _ = angles_from_table(table_from_notifications(session.notifications()), session.sample_rate_hz)
    return session, chunk, detect_reps(chunk, session.sample_rate_hz, PROFILE)


def _observed(chunk: AngleChunk, side: str, rep) -> bool:
    """Whether the angles show the rep: none missing for 1 s (the detector's max_gap_s) or
    more from its start to its end; a longer stretch ends or drops the rep under way."""
    rows = (chunk.t >= rep.start_t) & (chunk.t <= rep.end_t) & ~np.isnan(chunk.angles[side][:, 0])
    return bool(np.diff(np.concatenate([[rep.start_t], chunk.t[rows], [rep.end_t]])).max() < 1.0)


def _pairs(name: str, seed: int, loss_pct: float = 5.0) -> list[tuple[Rep, Any]]:
    """(detected, truth) rep pairs in order, matched by bottom time. Asserts that no rep is
    invented or doubled and that every truth rep with angles at its start is found (a rep
    whose start fell into missing angles may or may not be found)."""
    session, chunk, reps = _session(name, seed, loss_pct)
    pairs = []
    for side in ("left", "right"):
        truth = [rep for rep in session.motion.truth.reps if rep.side == side]
        matched = {}
        for mine in (rep for rep in reps if rep.side == side):
            nearest = min(truth, key=lambda rep: abs(rep.bottom_t - mine.bottom_t))
            assert abs(nearest.bottom_t - mine.bottom_t) < 1.0, f"{name} seed {seed}: invented {mine}"
            assert nearest.bottom_t not in matched, f"{name} seed {seed}: {nearest} found twice"
            matched[nearest.bottom_t] = (mine, nearest)
        missed = [rep for rep in truth if rep.bottom_t not in matched and _observed(chunk, side, rep)]
        assert not missed, f"{name} seed {seed}: missed {missed}"
        assert len(matched) >= 9
        pairs += [matched[key] for key in sorted(matched)]
    return pairs


@pytest.mark.parametrize("name", ["squats", "squats_restricted"])
@pytest.mark.parametrize("seed", SEEDS)
def test_reps_are_counted_and_timed_like_the_truth(name, seed):
    pairs = _pairs(name, seed)
    assert np.median([abs(mine.bottom_t - truth.bottom_t) for mine, truth in pairs]) <= 0.15
    _, chunk, _ = _session(name, seed)
    for (mine, truth), (_, before) in zip(pairs, [(None, None), *pairs[:-1]], strict=True):
        motion_starts = before.end_t if before is not None and before.side == truth.side else truth.start_t
        if _observed(chunk, truth.side, truth):
            assert motion_starts - 0.05 <= mine.start_t <= truth.start_t + 0.6
        assert abs(mine.end_t - truth.end_t) <= 0.6
        assert abs(mine.bottom_t - truth.bottom_t) <= 0.45
        assert mine.start_t < mine.bottom_t < mine.end_t
        assert mine.set_index == truth.set_index == 0


def test_max_dorsiflexion_matches_the_truth():
    errors = np.array([
        mine.max_dorsiflexion_deg - truth.max_dorsiflexion_deg
        for name in ("squats", "squats_restricted") for seed in SEEDS for mine, truth in _pairs(name, seed)
    ])
    magnitude = np.abs(errors)
    assert np.median(magnitude) <= 0.5 and np.percentile(magnitude, 95) <= 2.0 and magnitude.max() <= 10.0
    without_loss = [mine.max_dorsiflexion_deg - truth.max_dorsiflexion_deg for mine, truth in _pairs("squats", 0, 0.0)]
    assert np.abs(without_loss).max() <= 1.0


def test_rep_level_sensitivity_and_specificity():
    """Per rep, over both scenarios and all seeds: restricted_df against the truth's."""
    pairs = [pair for name in ("squats", "squats_restricted") for seed in SEEDS for pair in _pairs(name, seed)]
    positives = [mine.restricted_df for mine, truth in pairs if truth.restricted_df]
    negatives = [not mine.restricted_df for mine, truth in pairs if not truth.restricted_df]
    assert len(positives) >= 90 and len(negatives) >= 90
    assert sum(positives) / len(positives) >= 0.95
    assert sum(negatives) / len(negatives) >= 0.95


def test_flag_sensitivity_specificity_and_no_flicker():
    """Per side and session, 12 seeds: the flag is raised where the truth raises it, once,
    near the truth's time (the end of the rep that decides it), and never dropped again.
    squats_restricted seed 5 left is expected to be missed: its calibration fails (quality
    0, dorsiflexion about 3 deg where the truth has 16 deg), so 23 of 24 is the ceiling."""
    outcomes = {"tp": 0, "fn": 0, "tn": 0, "fp": 0}
    for name in ("squats", "squats_restricted"):
        for seed in FLAG_SEEDS:
            session, _, reps = _session(name, seed)
            changes = RestrictedDfFlag(PROFILE).update(reps)
            for side in ("left", "right"):
                mine = [change for change in changes if change.side == side]
                truth = [f for f in session.motion.truth.flags if f["side"] == side and f["flag"] == "restricted_df"]
                assert len(mine) <= 1, f"{name} seed {seed} {side} flickers: {mine}"
                if truth:
                    outcomes["tp" if mine and mine[0].active else "fn"] += 1
                    if mine:
                        # a rep lost before the angles begin shifts the deciding rep by one
                        assert abs(mine[0].t - truth[0]["from_t"]) <= 5.0
                else:
                    outcomes["fp" if mine else "tn"] += 1
    assert outcomes["tp"] / (outcomes["tp"] + outcomes["fn"]) >= 0.95
    assert outcomes["tn"] / (outcomes["tn"] + outcomes["fp"]) >= 0.95
    assert outcomes["tp"] + outcomes["fn"] == outcomes["tn"] + outcomes["fp"] == 24


def test_flag_carries_its_evidence():
    _, _, reps = _session("squats_restricted", 0)
    change = RestrictedDfFlag(PROFILE).update(reps)[0]
    message = change.to_message()
    assert message["type"] == "flag" and message["flag"] == "restricted_df" and message["active"] is True
    evidence = message["evidence"]
    assert evidence["threshold_deg"] == PROFILE.thresholds.restricted_df_squat_deg
    assert "Hemmerich" in evidence["threshold_source"]
    assert evidence["restricted_reps"] > evidence["window_reps"] / 2
    deciding = [rep for rep in reps if rep.side == change.side and rep.end_t <= change.t]
    assert [r["end_t"] for r in evidence["reps"]] == [rep.end_t for rep in deciding[-evidence["window_reps"] :]]
    assert all(r["max_dorsiflexion_deg"] < 25.0 for r in evidence["reps"])


def _rep(side: str, end_t: float, max_df_deg: float) -> Rep:
    return Rep(side, end_t - 3.0, end_t - 1.5, end_t, max_df_deg, max_df_deg < 25.0, 0.0, 0.0, max_df_deg, 0)


def test_flag_hysteresis_holds_through_borderline_reps():
    """An athlete hovering at the threshold: the flag goes up once and stays up until at
    most 1 of the last 5 reps is restricted, then goes down once. A plain majority rule would
    drop and raise it again at reps 9, 11 and 12."""
    depths = [24, 26, 24, 24, 26, 24, 26, 24, 26, 26, 24, 26, 30, 30, 31, 30, 30, 30]
    changes = RestrictedDfFlag(PROFILE).update(_rep("left", 5.0 * i, d) for i, d in enumerate(depths))
    assert [(change.active, change.t) for change in changes] == [(True, 5.0 * 2), (False, 5.0 * 12)]


def test_chunk_invariance_and_the_live_estimator():
    """The same reps from the whole session at once, from random chunks, and from the live
    AngleEstimator fed the IMU table in 50 ms pieces."""
    session, chunk, offline = _session("squats", 1)
    rng = np.random.default_rng(7)
    cuts = np.cumsum(rng.integers(1, 400, size=200))
    cuts = cuts[cuts < len(chunk.t)]
    detector = RepDetector(session.sample_rate_hz, PROFILE)
    streamed = []
    for rows in np.split(np.arange(len(chunk.t)), cuts):
        streamed += detector.update(AngleChunk(chunk.t[rows], {s: a[rows] for s, a in chunk.angles.items()}))
    assert streamed + detector.finish() == offline

    table = table_from_notifications(session.notifications())
    estimator = AngleEstimator(session.sample_rate_hz)
    live = RepDetector(session.sample_rate_hz, PROFILE)
    reps, step = [], int(0.05 * session.sample_rate_hz)
    for start in range(0, len(table.t), step):
        reps += live.update(estimator.update(table.rows(slice(start, start + step))))
    reps += live.update(estimator.finish()) + live.finish()
    assert reps == offline


def test_a_rep_is_reported_soon_after_it_ends():
    """Fed 50 ms at a time, each rep comes out within settle_s (0.5 s) + 0.1 s of its end."""
    session, chunk, offline = _session("squats", 0)
    detector = RepDetector(session.sample_rate_hz, PROFILE)
    delays = []
    for start in range(0, len(chunk.t), 10):
        rows = slice(start, start + 10)
        for rep in detector.update(AngleChunk(chunk.t[rows], {s: a[rows] for s, a in chunk.angles.items()})):
            delays.append(chunk.t[rows][-1] - rep.end_t)
    assert len(delays) == len(offline) and max(delays) <= 0.6


def test_depth_proxy_and_records():
    _, _, normal = _session("squats", 0)
    _, _, stiff = _session("squats_restricted", 0)
    # the seed's point: full squats take the knee well past the toes, stiff ankles do not
    assert min(rep.knee_past_toe_cm for rep in normal) > 5.0
    assert max(rep.knee_past_toe_cm for rep in stiff) < 0.0
    message = normal[0].to_message()
    assert message["type"] == "rep" and message["t"] == normal[0].end_t and message["side"] == normal[0].side


def test_reps_csv_has_the_contract_columns_first(tmp_path):
    _, _, reps = _session("squats", 0)
    write_records(tmp_path / "reps.csv", reps, REP_COLUMNS)
    header = (tmp_path / "reps.csv").read_text().splitlines()[0].split(",")
    assert tuple(header[: len(REP_COLUMNS)]) == REP_COLUMNS
    assert set(header) == {field.name for field in dataclasses.fields(Rep)}


def test_standing_still_and_a_back_leg_make_no_reps():
    """Quiet standing, then slow 8 deg leans (a lunge's back leg) with a 0.5 deg wobble and
    noise like the pipeline's in standing (0.05 deg): no rep."""
    rate = 200.0
    t = np.arange(0, 60, 1 / rate)
    rng = np.random.default_rng(0)
    lean = np.radians(8.0) * np.clip(np.sin(2 * np.pi * t / 20.0), 0, None)
    wobble = np.radians(0.5) * np.sin(2 * np.pi * 0.7 * t) + np.radians(0.05) * rng.standard_normal(len(t))
    angles = np.column_stack([lean + wobble, np.zeros(len(t)), np.zeros(len(t))])
    assert detect_reps(AngleChunk(t, {"left": angles}), rate, PROFILE) == []


def test_a_long_stretch_of_missing_angles_ends_or_drops_the_rep_under_way():
    """Reps of 3 s every 5 s. Angles missing 7.5-9 s (a rep on its way back): that rep ends
    at 7.5 s. Missing 11-17 s (two bottoms): those reps are dropped, nothing spans the gap."""
    rate = 200.0
    t = np.arange(0, 40, 1 / rate)
    phase = t % 5.0
    df = np.where(phase < 3.0, np.radians(35.0) * np.sin(np.pi * phase / 3.0) ** 2, 0.0)
    df[(t >= 7.5) & (t < 9.0) | (t >= 11.0) & (t < 17.0)] = np.nan
    angles = np.column_stack([df, np.zeros(len(t)), np.zeros(len(t))])
    reps = detect_reps(AngleChunk(t, {"left": angles}), rate, PROFILE)
    assert [round(rep.bottom_t, 1) for rep in reps] == [1.5, 6.5, 21.5, 26.5, 31.5, 36.5]
    assert 7.4 <= reps[1].end_t < 7.5 and all(rep.end_t - rep.start_t < 3.0 for rep in reps)
    assert {rep.set_index for rep in reps} == {0}


def test_a_step_back_into_a_lunge_starts_no_rep_under_way():
    """The back leg of a knee-to-wall lunge: the foot pushes off (6 deg of plantarflexion for
    0.8 s), the leg leans 4 deg, then 8 deg during each of the front leg's three attempts.
    That is 14 deg above the dip but 8 above the lowest angle held for 1 s: no rep, and none
    under way at any time. A 30 deg squat right after such a dip still counts."""
    rate = 200.0
    t = np.arange(0, 40, 1 / rate)

    def bump(start_s: float, length_s: float, height_deg: float) -> np.ndarray:
        inside = (t >= start_s) & (t < start_s + length_s)
        return np.where(inside, np.radians(height_deg) * np.sin(np.pi * (t - start_s) / length_s) ** 2, 0.0)

    lean = np.radians(4.0) * np.clip((t - 4.8) / 0.5, 0, 1) * (t < 28.0)
    df = bump(4.0, 0.8, -6.0) + lean + sum(bump(6.0 + 6.5 * k, 5.5, 4.0) for k in range(3))
    df += bump(29.0, 0.8, -6.0) + bump(30.0, 3.0, 30.0)
    angles = np.column_stack([df, np.zeros(len(t)), np.zeros(len(t))])
    detector, reps, under_way = RepDetector(rate, PROFILE), [], []
    for start in range(0, len(t), 20):
        reps += detector.update(AngleChunk(t[start : start + 20], {"left": angles[start : start + 20]}))
        if detector.sides_in_rep_:
            under_way.append(float(t[start]))
    reps += detector.finish()
    assert [round(rep.bottom_t, 1) for rep in reps] == [31.5] and min(under_way) > 30.0
