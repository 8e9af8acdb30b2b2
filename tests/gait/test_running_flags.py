"""The running flags against the simulator's truth strides and flags, and without flicker."""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np
import pytest

from anklet.bench import BenchConditions
from anklet.gait import analyze_session
from anklet.gait._athlete import load_athlete
from anklet.gait._running_flags import RunningFlags
from anklet.pipeline import angles_from_table, table_from_notifications
from anklet.sim import load_scenario, simulate
from anklet.sim._running import RunningParams, make_running
from anklet.sim._scenario import build_params

RATE_HZ = 200.0


@functools.cache
def _truth(scenario: str, seed: int, duration_s: float):
    """The simulated motion's truth (strides and flags); no sensors needed."""
    loaded = load_scenario(scenario)
    params = build_params(RunningParams, loaded.motion, "[motion]")
    return make_running(params, duration_s, RATE_HZ, np.random.default_rng(seed)).truth


def _raised(changes, side, flag):
    return [change for change in changes if change.side == side and change.flag == flag and change.active]


@pytest.mark.parametrize("seed", range(3))
def test_restricted_right_toe_off_is_flagged_when_the_truth_is_and_the_left_never(seed):
    truth = _truth("restricted_pf_right", seed, 120.0)
    flags = RunningFlags(load_athlete())
    changes = flags.update(truth.strides)
    expected = [f for f in truth.flags if f["flag"] == "restricted_pf"]
    assert [f["side"] for f in expected] == ["right"]
    raised = _raised(changes, "right", "restricted_pf")
    assert len(raised) == 1
    # the truth looks at steady strides only (after the belt's ramp): the flag may come a
    # little earlier, never later
    assert expected[0]["from_t"] - 5.0 <= raised[0].t <= expected[0]["from_t"] + 1e-9
    assert not _raised(changes, "left", "restricted_pf")
    assert _raised(changes, "right", "asymmetry")  # -8 vs -20 deg
    evidence = raised[0].evidence
    assert len(evidence["strides"]) == 20 and evidence["restricted_fraction"] >= 0.5
    assert all(s["to_t"] <= raised[0].t for s in evidence["strides"])


@pytest.mark.parametrize("seed", range(3))
def test_an_easy_run_raises_nothing(seed):
    truth = _truth("easy_run", seed, 120.0)
    assert not truth.flags
    assert RunningFlags(load_athlete()).update(truth.strides) == []


def test_fading_left_push_off_is_flagged_as_worsening_then_asymmetric():
    """asymmetric_fatigue: the left TO angle loses 36 deg/h of plantarflexion, the right 3."""
    truth = _truth("asymmetric_fatigue", 0, 900.0)
    changes = RunningFlags(load_athlete()).update(truth.strides)
    worsening = _raised(changes, "left", "worsening")
    assert len(worsening) == 1 and not _raised(changes, "right", "worsening")
    # 5 deg lost at 36 deg/h: about 8-9 min in (plus the first window's 15 s)
    assert 420.0 < worsening[0].t < 660.0, worsening[0].t
    asymmetry = _raised(changes, "left", "asymmetry")
    expected = [f for f in truth.flags if f["flag"] == "asymmetry"]
    assert len(asymmetry) == 1 and [f["side"] for f in expected] == ["left"]
    assert abs(asymmetry[0].t - expected[0]["from_t"]) < 60.0


@dataclass(frozen=True)
class _Stride:
    side: str
    ic_t: float
    to_t: float
    ankle_angle_at_to_deg: float
    end_t: float = math.nan

    def __post_init__(self) -> None:
        if math.isnan(self.end_t):  # running: 0.7 s strides
            object.__setattr__(self, "end_t", self.ic_t + 0.7)


def test_borderline_strides_do_not_make_a_flag_flicker():
    """TO angles scattered around the threshold: the restricted fraction of the window
    hovers around one half. Without hysteresis and hold the flag would toggle on single
    strides; here every change stays for at least a window (20 strides) of that side."""
    rng = np.random.default_rng(0)
    angles = rng.normal(-15.0, 2.0, 400)
    strides = [_Stride("left", i * 0.7, i * 0.7 + 0.25, float(a)) for i, a in enumerate(angles)]
    window = load_athlete().thresholds.running_flag_window_strides
    changes = [c for c in RunningFlags(load_athlete()).update(strides) if c.flag == "restricted_pf"]
    assert changes and changes[0].active
    change_strides = [round((c.t - 0.25) / 0.7) for c in changes]
    assert np.diff(change_strides).min() >= window, change_strides
    # the raw rule (at least half of the window restricted) did toggle on single strides here
    restricted = np.convolve(angles > -15.0, np.ones(window), "valid") >= window / 2
    assert np.diff(np.flatnonzero(np.diff(restricted.astype(int)))).min() < 3


def test_a_stride_without_a_toe_off_angle_does_not_count():
    strides = [_Stride("left", i * 0.7, i * 0.7 + 0.25, -5.0 if i % 2 else float("nan")) for i in range(60)]
    flags = RunningFlags(load_athlete())
    changes = flags.update(strides)
    raised = _raised(changes, "left", "restricted_pf")
    assert len(raised) == 1
    assert all(np.isfinite(s["ankle_angle_at_to_deg"]) for s in raised[0].evidence["strides"])


def _strides(side: str, angles_deg, *, walking: bool, start_s: float = 0.0) -> list[_Stride]:
    """Strides of ``side`` one after another: walking 1.1 s with 0.66 s of contact (duty
    factor 0.6), running 0.7 s with 0.25 s (0.36)."""
    stride_s, contact_s = (1.1, 0.66) if walking else (0.7, 0.25)
    return [
        _Stride(side, start_s + i * stride_s, start_s + i * stride_s + contact_s, float(a), start_s + (i + 1) * stride_s)
        for i, a in enumerate(angles_deg)
    ]


def test_a_normal_walker_is_not_flagged_where_a_runner_would_be():
    """A normal walking toe-off (about -15 deg, Perry & Burnfield 2010) sits at the running
    threshold: judged as running strides these angles raise the flag, as walking strides not."""
    angles = np.random.default_rng(1).normal(-15.0, 1.5, 60)
    walking = RunningFlags(load_athlete()).update(_strides("left", angles, walking=True))
    assert not _raised(walking, "left", "restricted_pf")
    running = RunningFlags(load_athlete()).update(_strides("left", angles, walking=False))
    assert _raised(running, "left", "restricted_pf")


def test_a_restricted_walker_is_flagged_and_the_evidence_names_the_walking_threshold():
    athlete = load_athlete()
    angles = np.random.default_rng(2).normal(-5.0, 1.5, 40)
    (raised,) = _raised(RunningFlags(athlete).update(_strides("right", angles, walking=True)), "right", "restricted_pf")
    evidence = raised.evidence
    assert evidence["threshold_deg"] == {"walking": athlete.thresholds.restricted_pf_to_walking_deg}
    assert "Perry & Burnfield" in evidence["threshold_source"]["walking"]
    assert all(s["gait"] == "walking" and s["threshold_deg"] == -10.0 for s in evidence["strides"])


def test_a_switch_from_running_to_walking_is_no_worsening_and_each_stride_has_its_threshold():
    """A runner at -21 deg slows to a walk at -15 deg, both normal: the TO angle rises by 6
    deg, which compared across the gaits would be a worsening (and a restricted walker)."""
    rng = np.random.default_rng(3)
    run = {side: _strides(side, rng.normal(-21.0, 1.0, 40), walking=False, start_s=lag) for side, lag in
           (("left", 0.0), ("right", 0.35))}
    walk = {side: _strides(side, rng.normal(-15.0, 1.0, 40), walking=True, start_s=28.0 + lag) for side, lag in
            (("left", 0.0), ("right", 0.55))}
    strides = sorted([*run["left"], *run["right"], *walk["left"], *walk["right"]], key=lambda s: s.ic_t)
    flags = RunningFlags(load_athlete())
    assert flags.update(strides) == []
    # a walker whose ankle then stiffens on the left is flagged, against the walking baseline
    stiff = _strides("left", rng.normal(-8.0, 1.0, 30), walking=True, start_s=72.0)
    steady = _strides("right", rng.normal(-15.0, 1.0, 30), walking=True, start_s=72.55)
    changes = flags.update(sorted([*stiff, *steady], key=lambda s: s.ic_t))
    (worsening,) = _raised(changes, "left", "worsening")
    assert worsening.evidence["gait"] == "walking"
    assert worsening.evidence["baseline_to_deg"] == pytest.approx(-15.0, abs=1.0)
    assert _raised(changes, "left", "asymmetry") and _raised(changes, "left", "restricted_pf")  # -8 > -10 deg


def _walking_flags(seed: int, **motion):
    """A 40 s walk under the bench conditions through the whole offline chain, default profile."""
    scenario = BenchConditions().apply(load_scenario("walking"))
    scenario = dataclasses.replace(scenario, motion={**scenario.motion, **motion})
    session = simulate(scenario, seed=seed, duration_s=40.0)
    table = table_from_notifications(session.notifications())
    angles, _ = angles_from_table(table, session.sample_rate_hz)
    return analyze_session(table, session.sample_rate_hz, angles, load_athlete())


@pytest.mark.parametrize("seed", range(3))
def test_a_normal_simulated_walk_raises_no_flag(seed):
    """The simulator's walker pushes off at -15 deg (SD 1.5), the running threshold."""
    gait = _walking_flags(seed)
    assert len(gait.strides) > 50 and all(s.gait == "walking" for s in gait.strides)
    assert gait.flags == []


def test_a_simulated_walker_with_a_restricted_right_ankle_is_flagged_on_the_right():
    gait = _walking_flags(0, to_angle_right_deg=-4.0)
    (raised,) = [c for c in gait.flags if c.flag == "restricted_pf" and c.active]
    assert raised.side == "right"
    assert raised.evidence["threshold_deg"] == {"walking": -10.0}
