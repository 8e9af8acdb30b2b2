"""The guided mobility tests through the real chain (simulate under bench conditions ->
notifications -> table_from_notifications -> angles_from_table -> test), against the
simulator's truth.assessments and truth.flags.

Tolerances, and why:
- knee-to-wall max dorsiflexion within 1.5 deg: the attempt's maximum in a 2.5 s hold, the
  pipeline's squat p95 error is 1.5-1.7 deg (docs/accuracy.md). The tape distance and the
  required angle come from the same geometry as the truth, so they must agree to 1e-6.
- tall-kneeling plantarflexion within 4.5 deg (measured 0.3-3.9 deg over 12 seeds, the same
  with or without loss: the shank lies almost horizontal and the foot upside down, far from
  the calibration pose), the gap within 1.5 cm (the model turns 1 deg into about 0.3 cm
  near the threshold). ``passed`` gives the benefit of the doubt within the profile's 4 deg
  ``tall_kneeling_tolerance_deg``: the simulated athlete who passes is only 3.2 deg above
  the angle the gap rule needs, and without it seeds 5 and 9 fail him.
- split squat per rep, pooled over both legs of 2 seeds: median error of max dorsiflexion
  <= 0.5 deg and of max plantarflexion <= 1 deg (the heel raise is held only 0.2 s, so the
  fused angle lags it more than the bottom; measured 0.24 and 0.63 deg), 95th percentile
  <= 3 deg, none beyond 10 deg (a loss burst at the bottom or in the heel raise costs a few
  degrees; measured max 9 deg).
- flag times: knee-to-wall within 1 s of the truth (both date it at the end of the last
  attempt); tall kneeling within 3.5 s (anklet decides when the side stands up from
  kneeling, the truth when the sit-back ends, 2 s of tall kneeling and an untuck earlier).
- knee-to-wall dorsiflexion of each leg over the session within 2 deg RMSE of the truth, the
  accuracy target (measured 0.1-0.6 deg over 12 seeds).
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
import pytest

from anklet.bench._accuracy import BenchConditions
from anklet.gait._athlete import load_athlete
from anklet.gait._mobility_knee_to_wall import KneeToWallTest
from anklet.gait._mobility_split_squat import SplitSquatTest
from anklet.gait._mobility_tall_kneeling import TallKneelingTest
from anklet.pipeline import AngleChunk, angles_from_table, table_from_notifications
from anklet.sim import load_scenario, simulate

PROFILE = load_athlete()
TESTS = {"knee_to_wall": KneeToWallTest, "tall_kneeling": TallKneelingTest, "split_squat": SplitSquatTest}


@functools.cache
def _angles(name: str, seed: int, height_m: float | None = None):
    """Simulated session and its estimated angles (each built once per run)."""
    scenario = BenchConditions().apply(load_scenario(name))
    if height_m is not None:
        scenario = dataclasses.replace(scenario, motion={**scenario.motion, "height_m": height_m})
    session = simulate(scenario, seed=seed)
    chunk, _ = angles_from_table(table_from_notifications(session.notifications()), session.sample_rate_hz)
    return session, chunk


def _run(name: str, chunks, rate_hz: float, profile=PROFILE):
    """The test fed ``chunks``, its assessments and the phases it went through."""
    test = TESTS[name](rate_hz, profile)
    assessments, phases = [], [test.phase_]
    for chunk in chunks:
        assessments += test.update(chunk)
        if test.phase_ != phases[-1]:
            phases.append(test.phase_)
        assert test.instructions
    assessments += test.finish()
    if test.phase_ != phases[-1]:
        phases.append(test.phase_)
    assert assessments == test.assessments_
    return test, assessments, phases


def _pieces(chunk: AngleChunk, rows: int):
    for start in range(0, len(chunk.t), rows):
        part = slice(start, start + rows)
        yield AngleChunk(chunk.t[part], {side: a[part] for side, a in chunk.angles.items()})


def _random_pieces(chunk: AngleChunk, seed: int) -> list[AngleChunk]:
    """``chunk`` cut into pieces of 1 to 600 rows (3 s at 200 Hz)."""
    cuts = np.cumsum(np.random.default_rng(seed).integers(1, 600, size=400))
    return [
        AngleChunk(chunk.t[rows], {side: a[rows] for side, a in chunk.angles.items()})
        for rows in np.split(np.arange(len(chunk.t)), cuts[cuts < len(chunk.t)])
    ]


def _truth_keys_match(mine: dict, truth: dict, tolerances: dict[str, float]) -> None:
    for key, value in truth.items():
        if isinstance(value, float):
            assert abs(mine[key] - value) <= tolerances.get(key, 1e-6), (key, mine[key], value)
        else:
            assert mine[key] == value, (key, mine[key], value)


@pytest.mark.parametrize("seed", [0, 6, 10])
def test_knee_to_wall_against_the_truth(seed):
    """Seeds 6 and 10 used to read the right foot's step back, at the start, as its one attempt."""
    session, chunk = _angles("knee_to_wall", seed)
    scored = chunk.t > 5.0  # the standing pose is the zero: its rows would flatter the figure
    for side in ("left", "right"):
        truth = np.interp(chunk.t[scored], session.motion.t, session.motion.truth.angles_rad[side][:, 0])
        assert np.degrees(np.sqrt(np.nanmean((chunk.angles[side][scored, 0] - truth) ** 2))) <= 2.0, side
    test, assessments, phases = _run("knee_to_wall", _pieces(chunk, 20), session.sample_rate_hz)
    truth, flags = session.motion.truth, test.flags_
    assert [a["side"] for a in assessments] == [a["side"] for a in truth.assessments] == ["left", "right"]
    for mine, expected in zip(assessments, truth.assessments, strict=True):
        _truth_keys_match(mine, expected, {"max_dorsiflexion_deg": 1.5})
        assert len(mine["attempts_deg"]) == 3
        if mine["passed"]:
            assert abs(mine["max_toe_to_wall_cm"] - mine["toe_to_wall_cm"]) <= 1.0
        else:
            assert mine["max_toe_to_wall_cm"] < mine["toe_to_wall_cm"] - 5.0
    assert [(f.side, f.flag, f.active) for f in flags] == [(f["side"], f["flag"], True) for f in truth.flags]
    assert all(abs(f.t - t["from_t"]) <= 1.0 for f, t in zip(flags, truth.flags, strict=True))
    assert flags[0].evidence["attempts"] and flags[0].evidence["required_deg"] == assessments[1]["required_deg"]
    assert phases[:2] == ["ready", "hold"] and phases[-1] == "result"


@pytest.mark.parametrize("seed", [0, 6, 10])
def test_knee_to_wall_shows_each_sides_result_before_the_other_side(seed):
    """The leg stepped back pushes off (6 deg of plantarflexion for a moment), then leans 4-8 deg
    (in the truth too): that is no attempt under way, so the first side's result shows until
    the second side's first attempt, and 'hold' names the side being tested, however the
    angles are cut (a row, 20 rows, pieces of up to 3 s)."""
    session, chunk = _angles("knee_to_wall", seed)
    expected = [("ready", None), ("hold", "left"), ("result", "left"), ("hold", "right"), ("result", "right")]
    for pieces in (_pieces(chunk, 1), _pieces(chunk, 20), _random_pieces(chunk, seed)):
        test = KneeToWallTest(session.sample_rate_hz, PROFILE)
        shown = [(test.phase_, test.side_)]
        for piece in pieces:
            test.update(piece)
            if (test.phase_, test.side_) != shown[-1]:
                shown.append((test.phase_, test.side_))
        test.finish()
        assert shown == expected and (test.phase_, test.side_) == expected[-1]


def test_knee_to_wall_stopped_before_the_second_side_assesses_the_first():
    """The right leg only stepped back: calibration leaves it out, saying why, and the left
    side is assessed as the truth has it."""
    scenario = BenchConditions().apply(load_scenario("knee_to_wall"))
    session = simulate(scenario, seed=1, duration_s=28.0)
    chunk, calibration = angles_from_table(table_from_notifications(session.notifications()), session.sample_rate_hz)
    assert list(chunk.angles) == ["left"]
    assert calibration.legs_left_out["right"].startswith("too little movement to find the right ankle axis")
    _, assessments, _ = _run("knee_to_wall", _pieces(chunk, 20), session.sample_rate_hz)
    assert [a["side"] for a in session.motion.truth.assessments] == ["left"]
    for mine, expected in zip(assessments, session.motion.truth.assessments, strict=True):
        _truth_keys_match(mine, expected, {"max_dorsiflexion_deg": 1.5})


def test_knee_to_wall_uses_the_shorter_tape_for_a_shorter_athlete(tmp_path):
    """A 1.65 m athlete (under 5 ft 8 in): 4.5 in, and a profile saying so."""
    session, chunk = _angles("knee_to_wall", 0, height_m=1.65)
    own = tmp_path / "short.toml"
    own.write_text("[athlete]\nheight_m = 1.65\n")
    _, assessments, _ = _run("knee_to_wall", [chunk], session.sample_rate_hz, load_athlete(own))
    for mine, expected in zip(assessments, session.motion.truth.assessments, strict=True):
        assert mine["toe_to_wall_cm"] == pytest.approx(11.43) == expected["toe_to_wall_cm"]
        _truth_keys_match(mine, expected, {"max_dorsiflexion_deg": 1.5})


@pytest.mark.parametrize("seed", range(10))
def test_tall_kneeling_against_the_truth(seed):
    session, chunk = _angles("tall_kneeling", seed)
    test, assessments, phases = _run("tall_kneeling", _pieces(chunk, 20), session.sample_rate_hz)
    truth, flags = session.motion.truth, test.flags_
    by_side = {a["side"]: a for a in assessments}
    assert sorted(by_side) == ["left", "right"] and len(assessments) == 2
    for expected in truth.assessments:
        _truth_keys_match(by_side[expected["side"]], expected, {"max_plantarflexion_deg": 4.5, "ankle_gap_cm": 1.5})
    assert [(f.side, f.flag) for f in flags] == [(f["side"], f["flag"]) for f in truth.flags]
    assert [(f.side, f.flag) for f in flags] == [("left", "restricted_pf")]
    assert abs(flags[0].t - truth.flags[0]["from_t"]) <= 3.5
    assert flags[0].evidence["max_gap_cm"] == PROFILE.thresholds.tall_kneeling_max_gap_cm
    assert phases == ["ready", "hold", "result"]


def test_tall_kneeling_fails_a_side_clearly_short_of_the_gap_rule():
    """55 deg: 6.8 deg short of the 61.8 deg the 1 cm gap allows, beyond the 4 deg tolerance."""
    scenario = BenchConditions().apply(load_scenario("tall_kneeling"))
    session = simulate(dataclasses.replace(scenario, motion={**scenario.motion, "max_pf_left_deg": 55.0}), seed=1)
    chunk, _ = angles_from_table(table_from_notifications(session.notifications()), session.sample_rate_hz)
    test, assessments, _ = _run("tall_kneeling", [chunk], session.sample_rate_hz)
    assert [(a["side"], a["passed"]) for a in assessments] == [("left", False), ("right", True)]
    assert [(f["side"], f["flag"]) for f in session.motion.truth.flags] == [(f.side, f.flag) for f in test.flags_]


def test_split_squat_reps_per_leg_and_set_against_the_truth():
    """Both legs, 2 seeds: every rep the angles show is counted in its set, none invented."""
    errors = []
    for seed in range(2):
        session, chunk = _angles("split_squat", seed)
        test, assessments, phases = _run("split_squat", _pieces(chunk, 20), session.sample_rate_hz)
        for side in ("left", "right"):
            truth = [rep for rep in session.motion.truth.reps if rep.side == side]
            mine = [rep for rep in test.reps_ if rep.side == side]
            matched = set()
            for rep in mine:
                nearest = min(truth, key=lambda r: abs(r.bottom_t - rep.bottom_t))
                if abs(nearest.bottom_t - rep.bottom_t) > 1.0:
                    assert rep.end_t > session.duration_s - 3.0, f"invented {rep}"  # the truth drops a cut rep
                    continue
                assert rep.set_index == nearest.set_index and nearest.bottom_t not in matched
                matched.add(nearest.bottom_t)
                errors.append((rep.max_dorsiflexion_deg - nearest.max_dorsiflexion_deg,
                               rep.max_plantarflexion_deg - nearest.max_plantarflexion_deg))
            seen = [r for r in truth if _observed(chunk, side, r)]
            assert {r.bottom_t for r in seen} <= matched, f"seed {seed} {side}: missed reps"
            assert len(seen) >= 0.8 * len(truth)  # the check above is not empty
        sets = [(a["side"], a["set_index"], a["reps"]) for a in assessments]
        assert [(s, i) for s, i, _ in sets] == [("left", 0), ("right", 0), ("left", 1), ("right", 1)]
        assert sum(n for _, _, n in sets) == len(test.reps_)
        assert all(len(a["range_deg"]) == a["reps"] and a["passed"] for a in assessments)
        assert test.flags_ == [] == session.motion.truth.flags
        # a set shows as over 6 s after its last rep (or earlier, when angles are missing)
        assert phases[0] == "ready" and phases[1::2] == ["hold"] * len(phases[1::2]) and phases[-1] == "result"
        assert phases[2::2] == ["result"] * len(phases[2::2]) and len(phases) >= 9
    magnitude = np.abs(np.array(errors))
    assert np.all(np.median(magnitude, axis=0) <= [0.5, 1.0])
    assert np.all(np.percentile(magnitude, 95, axis=0) <= 3.0) and magnitude.max() <= 10.0


def _observed(chunk: AngleChunk, side: str, rep) -> bool:
    """Whether the angles show the rep: none missing for 1 s (the detector's max_gap_s) or
    more from its start to its end; a longer stretch ends or drops the rep under way."""
    rows = (chunk.t >= rep.start_t) & (chunk.t <= rep.end_t) & ~np.isnan(chunk.angles[side][:, 0])
    return bool(np.diff(np.concatenate([[rep.start_t], chunk.t[rows], [rep.end_t]])).max() < 1.0)


@pytest.mark.parametrize("name", sorted(TESTS))
def test_the_same_results_however_the_stream_is_cut(name):
    session, chunk = _angles(name, 0)
    whole_test, whole, _ = _run(name, [chunk], session.sample_rate_hz)
    cut_test, cut, _ = _run(name, _random_pieces(chunk, 3), session.sample_rate_hz)
    assert cut == whole and cut_test.flags_ == whole_test.flags_ and whole


def test_instructions_follow_the_seed_articles():
    knee = KneeToWallTest(200.0, PROFILE)
    assert "longest toe" in knee.instructions and "14.0 cm (5.5 in)" in knee.instructions
    kneel = TallKneelingTest(200.0, PROFILE)
    assert "sit back onto your heels" in TallKneelingTest.instruction_texts["hold"]
    assert "Kneel tall" in kneel.instructions
    split = SplitSquatTest(200.0, PROFILE)
    assert "slant board" in split.instructions and "8-10 reps" in SplitSquatTest.instruction_texts["hold"]
    assert math.isclose(PROFILE.knee_to_wall_distance_m, 0.1397)
