"""Flags against the simulator's truth, on estimated strides and reps (``anklet bench flags``).

Each session of the set (running at 2.5-5.5 m/s with each strike pattern, each ankle
restricted at toe-off or not, one fading with fatigue; walking at 1.0-1.8 m/s, each ankle
restricted at toe-off or not; squats restricted or not) is simulated
under the bench conditions of ``bench accuracy`` and goes through the whole offline chain a
recording takes: ``table_from_notifications`` -> ``angles_from_table`` -> ``analyze_session``
with the default athlete profile. Nothing of the truth reaches the flag stages.

Scoring, per session, side and flag the session's kind can raise (running and walking:
``restricted_pf``, ``asymmetry``, ``worsening``; squats: ``restricted_df``): the truth is
*raised* when the simulator's truth flags name it (``motion.truth.flags``, with its
``from_t``). Where the simulator has no rule (``worsening``; every walking flag: it judges
walkers by nothing), the truth is our own rule (``RunningFlags``) run on the true strides: a
miss there is the estimate's, never the rule's. Ours is *raised* when
``analyze_session`` raised it at any time. Onset delay = our first raise - the truth's
``from_t``. A *flicker* is a flag raised again after it went down: every set session holds its
restriction for the whole run (or lets it grow), so no flag of it should ever come back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from anklet.bench._accuracy import BenchConditions, BenchReport, _rounded
from anklet.bench._events import running_scenario
from anklet.errors import ValidationError
from anklet.gait import AthleteProfile, FlagChange, RunningFlags, analyze_session, load_athlete
from anklet.geometry import SIDES
from anklet.pipeline import angles_from_table, table_from_notifications
from anklet.sim import Scenario, SimulatedSession, load_scenario, simulate

FLAGS_BY_KIND = {
    "running": ("restricted_pf", "asymmetry", "worsening"),
    "walking": ("restricted_pf", "asymmetry", "worsening"),
    "squat": ("restricted_df",),
}
TARGET_SENSITIVITY_PCT = 95.0
TARGET_SPECIFICITY_PCT = 95.0
"""Targets (issue 5): sensitivity and specificity >= 95 % over the scenario sets; no flicker."""
RUN_DURATION_S = 60.0
"""A running session: 4 s standing and the ramp, then about 30 strides per side past the
first full flag window (20 strides, about 14 s)."""
FATIGUE_DURATION_S = 90.0
"""A fading ankle needs longer: its loss must pass 5 deg beyond its first window's median."""

_RESTRICTED_TO_DEG = -8.0  # restricted_pf_right.toml's right ankle; the threshold is -15
_FREE_TO_DEG = -20.0
_ANKLES = {
    # name: (left TO angle, right TO angle, left fatigue drift), deg and deg/h
    "free": (_FREE_TO_DEG, _FREE_TO_DEG, 0.0),
    "right_restricted": (_FREE_TO_DEG, _RESTRICTED_TO_DEG, 0.0),
    "left_restricted": (_RESTRICTED_TO_DEG, _FREE_TO_DEG, 0.0),
    "both_restricted": (_RESTRICTED_TO_DEG, _RESTRICTED_TO_DEG - 1.0, 0.0),
    # -26 -> -17 deg over the run: worsening, then asymmetry against the right's -24
    "left_fading": (-26.0, -24.0, 600.0),
}
_SQUATS = {
    # name: (left max DF, right max DF), deg; the threshold is 25, asymmetry 5 apart
    "squat_free": (38.0, 38.0),
    "squat_restricted": (20.0, 22.0),
    "squat_left_restricted": (24.0, 28.0),  # reached at depth 0.95: about 22.8 and 26.6
}
SPEEDS_MPS = (2.5, 3.5, 4.5, 5.5)
STRIKES = ("rearfoot", "midfoot", "forefoot")
_WALKER_RESTRICTED_TO_DEG = -4.0  # the walking threshold is -10; a normal walker's -15
_WALKER_FREE_TO_DEG = -15.0
_WALKS = {
    # name: (left TO angle, right TO angle), deg
    "walk_free": (_WALKER_FREE_TO_DEG, _WALKER_FREE_TO_DEG),
    "walk_right_restricted": (_WALKER_FREE_TO_DEG, _WALKER_RESTRICTED_TO_DEG),
    "walk_left_restricted": (_WALKER_RESTRICTED_TO_DEG, _WALKER_FREE_TO_DEG),
    "walk_both_restricted": (_WALKER_RESTRICTED_TO_DEG, _WALKER_RESTRICTED_TO_DEG - 1.0),
}
WALKING_SPEEDS_MPS = (1.0, 1.4, 1.8)
WALK_DURATION_S = 60.0
"""A walk: 4 s standing, then about 50 strides per side (1.0-1.2 s each)."""


@dataclass(frozen=True)
class SideFlag:
    """One flag of one side in one session: the truth against ours.

    Attributes:
        truth_from_t: when the truth raises it, s (None: never).
        raised_t: our first raise, s (None: never).
        flickers: times ours was raised again after going down.
        kind: the session's (``running``, ``walking``, ``squat``).
    """

    scenario: str
    seed: int
    side: str
    flag: str
    truth_from_t: float | None
    raised_t: float | None
    flickers: int
    kind: str = "running"

    @property
    def outcome(self) -> str:
        truth, ours = self.truth_from_t is not None, self.raised_t is not None
        return {(True, True): "tp", (True, False): "fn", (False, False): "tn", (False, True): "fp"}[(truth, ours)]

    @property
    def onset_delay_s(self) -> float | None:
        return None if self.outcome != "tp" else self.raised_t - self.truth_from_t

    def to_json(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "outcome": self.outcome, "onset_delay_s": _rounded(self.onset_delay_s)}


@dataclass(frozen=True)
class FlagScore:
    """Every side and session of one flag (or of all, pooled)."""

    sides: tuple[SideFlag, ...]

    def count(self, outcome: str) -> int:
        return sum(s.outcome == outcome for s in self.sides)

    @property
    def sensitivity_pct(self) -> float | None:
        positives = self.count("tp") + self.count("fn")
        return 100.0 * self.count("tp") / positives if positives else None

    @property
    def specificity_pct(self) -> float | None:
        negatives = self.count("tn") + self.count("fp")
        return 100.0 * self.count("tn") / negatives if negatives else None

    @property
    def flickers(self) -> int:
        return sum(s.flickers for s in self.sides)

    @property
    def onset_delays_s(self) -> np.ndarray:
        return np.array([s.onset_delay_s for s in self.sides if s.onset_delay_s is not None])

    def misses(self) -> list[SideFlag]:
        return [s for s in self.sides if s.outcome in ("fn", "fp")]

    def to_json(self) -> dict[str, Any]:
        delays = self.onset_delays_s
        return {
            **{outcome: self.count(outcome) for outcome in ("tp", "fn", "tn", "fp")},
            "sensitivity_pct": _rounded(self.sensitivity_pct, 2),
            "specificity_pct": _rounded(self.specificity_pct, 2),
            "flickers": self.flickers,
            "onset_delay_s": {
                "median": _rounded(np.median(delays)) if len(delays) else None,
                "min": _rounded(delays.min()) if len(delays) else None,
                "max": _rounded(delays.max()) if len(delays) else None,
            },
            "misses": [s.to_json() for s in self.misses()],
        }


@dataclass(frozen=True)
class FlagsReport(BenchReport):
    """Everything ``anklet bench flags`` measured; ``failures`` are the sessions the chain
    gave no angles for (one sentence each; their flags count as never raised)."""

    conditions: BenchConditions
    seeds: int
    scenarios: tuple[str, ...]
    sides: tuple[SideFlag, ...]
    failures: tuple[str, ...] = ()

    def score(self, flag: str | None = None, kind: str | None = None) -> FlagScore:
        """One flag's sides (all flags': None) in the sessions of one kind (all kinds: None)."""
        return FlagScore(tuple(
            s for s in self.sides if (flag is None or s.flag == flag) and (kind is None or s.kind == kind)
        ))

    @property
    def flags(self) -> list[tuple[str, str]]:
        """The (kind, flag) pairs scored, in the order of the set."""
        return list(dict.fromkeys((s.kind, s.flag) for s in self.sides))

    @property
    def missed(self) -> list[str]:
        """One phrase per target missed, for each flag of each kind on its own (pooling would
        let the flags with many sides hide a flag that misses) and for all pooled."""
        missed = []
        each = ((f"{kind} {flag}", self.score(flag, kind)) for kind, flag in self.flags)
        for label, score in [*each, ("all", self.score())]:
            if score.sensitivity_pct is not None and score.sensitivity_pct < TARGET_SENSITIVITY_PCT:
                missed.append(f"{label} sensitivity {score.sensitivity_pct:.1f} % < {TARGET_SENSITIVITY_PCT:g} %")
            if score.specificity_pct is not None and score.specificity_pct < TARGET_SPECIFICITY_PCT:
                missed.append(f"{label} specificity {score.specificity_pct:.1f} % < {TARGET_SPECIFICITY_PCT:g} %")
        flickers = self.score().flickers
        if flickers:
            missed.append(f"{flickers} flicker{'s' if flickers != 1 else ''}")
        return missed

    def to_json(self) -> dict[str, Any]:
        return self._json({
            "scenarios": list(self.scenarios),
            "targets": {"sensitivity_pct": TARGET_SENSITIVITY_PCT, "specificity_pct": TARGET_SPECIFICITY_PCT,
                        "flickers": 0},
            "flags": {kind: {flag: self.score(flag, kind).to_json() for k, flag in self.flags if k == kind}
                      for kind in dict.fromkeys(kind for kind, _ in self.flags)},
            "pooled": self.score().to_json(),
            "failures": list(self.failures),
        })


def flag_scenarios(conditions: BenchConditions | None = None) -> list[Scenario]:
    """The scenario set: every speed with every strike, the ankle patterns taken in turn (so
    each pattern meets several speeds and strikes), the walks (each walking speed twice, the
    walker's ankle patterns in turn), then the three squat sessions; all under ``conditions``
    (default: the bench's)."""
    conditions = conditions or BenchConditions()
    run = conditions.apply(load_scenario("easy_run"))
    patterns = list(_ANKLES)
    scenarios = []
    for i, (speed, strike) in enumerate((v, s) for v in SPEEDS_MPS for s in STRIKES):
        pattern = patterns[i % len(patterns)]
        left_deg, right_deg, drift = _ANKLES[pattern]
        base = running_scenario(run, speed, strike)
        scenarios.append(dataclasses.replace(
            base,
            name=f"{base.name}_{pattern}",
            duration_s=FATIGUE_DURATION_S if drift else RUN_DURATION_S,
            motion={**base.motion, "to_angle_left_deg": left_deg, "to_angle_right_deg": right_deg,
                    "fatigue_drift_left_deg_per_h": drift},
        ))
    walk = conditions.apply(load_scenario("walking"))
    walks = list(_WALKS)
    for i, speed in enumerate(WALKING_SPEEDS_MPS * 2):
        pattern = walks[i % len(walks)]
        left_deg, right_deg = _WALKS[pattern]
        scenarios.append(dataclasses.replace(
            walk,
            name=f"{pattern}_{speed:g}",
            duration_s=WALK_DURATION_S,
            motion={**walk.motion, "speed_mps": speed, "to_angle_left_deg": left_deg, "to_angle_right_deg": right_deg},
        ))
    squat = conditions.apply(load_scenario("squats"))
    for name, (left_deg, right_deg) in _SQUATS.items():
        scenarios.append(dataclasses.replace(
            squat, name=name, motion={**squat.motion, "max_df_left_deg": left_deg, "max_df_right_deg": right_deg}
        ))
    return scenarios


def bench_flags(
    scenarios: list[Scenario] | None = None,
    *,
    seeds: int = 2,
    conditions: BenchConditions | None = None,
    athlete: AthleteProfile | None = None,
    progress: Callable[[str], None] | None = None,
) -> FlagsReport:
    """Run every scenario (default: ``flag_scenarios(conditions)``) for seeds 0..seeds-1,
    each for its own duration, and score the flags."""
    if seeds < 1:
        raise ValidationError(f"the bench needs at least one seed, not {seeds}")
    conditions = conditions or BenchConditions()
    scenarios = flag_scenarios(conditions) if scenarios is None else scenarios
    athlete = athlete or load_athlete()
    tell = progress or (lambda _text: None)
    sides, failures = [], []
    for scenario in scenarios:
        for seed in range(seeds):
            tell(f"{scenario.name}, seed {seed}")
            scored, failure = score_flags(simulate(scenario, seed=seed), athlete, scenario.name, seed)
            sides += scored
            failures += [f"{scenario.name} seed {seed}: {failure}"] if failure else []
    return FlagsReport(conditions, seeds, tuple(s.name for s in scenarios), tuple(sides), tuple(failures))


def score_flags(
    session: SimulatedSession, athlete: AthleteProfile, name: str, seed: int
) -> tuple[list[SideFlag], str | None]:
    """Each side's flags of ``session`` against its truth, and the chain's reason when it
    gave no angles (then nothing is raised)."""
    rate_hz = session.sample_rate_hz
    table = table_from_notifications(session.notifications())
    changes, failure = [], None
    try:
        angles, _calibration = angles_from_table(table, rate_hz)
        changes = analyze_session(table, rate_hz, angles, athlete).flags
    except ValidationError as exc:
        failure = str(exc)
    truth, kind = session.motion.truth, session.motion.kind
    onsets = {(f["side"], f["flag"]): f["from_t"] for f in reversed(truth.flags)}  # the first of each
    if kind == "running":
        onsets.update(_rule_onsets(truth.strides, athlete, ("worsening",)))
    if kind == "walking":
        onsets.update(_rule_onsets(truth.strides, athlete, FLAGS_BY_KIND[kind]))
    return [
        SideFlag(name, seed, side, flag, onsets.get((side, flag)), *_ours(changes, side, flag), kind)
        for flag in FLAGS_BY_KIND[kind]
        for side in SIDES
    ], failure


def _rule_onsets(true_strides: list, athlete: AthleteProfile, flags: tuple[str, ...]) -> dict[tuple[str, str], float]:
    """Our rule for ``flags`` on the true TO angles: when each first raises, per side."""
    rule = RunningFlags(athlete)
    rule.update(true_strides)
    return {(c.side, c.flag): c.t for c in reversed(rule.changes_) if c.flag in flags and c.active}


def _ours(changes: list[FlagChange], side: str, flag: str) -> tuple[float | None, int]:
    """Our first raise of one side's flag, s, and how often it came back after going down."""
    raised = [c.t for c in changes if c.side == side and c.flag == flag and c.active]
    return (raised[0] if raised else None), max(len(raised) - 1, 0)
