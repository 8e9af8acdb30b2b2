"""Gait-event accuracy against the simulator's ground truth (``anklet bench events``).

Running is simulated at each speed and strike pattern (the ``easy_run`` scenario with its
``[motion]`` speed and strike replaced) under the bench conditions of ``bench accuracy``
(random mounting, IMU errors, bursty BLE loss, clock drift). Its notifications go through the
offline pipeline as a recording would (``table_from_notifications``, then
``angles_from_table``), and every detector runs on that same table: ours
(``anklet.gait.detect_events``) and the published ones (``anklet.gait.PUBLISHED_DETECTORS``,
on the foot flexion axes ``foot_flexion_axes`` finds).

Scoring, per detector, event kind, side: a true event is *detected* when a detection of the
same kind and side lies within ``MATCH_TOLERANCE_S``; its error is the nearest one's. Every
other detection is *spurious* (a second one near the same true event included). True events
from ``score_from_s`` to 1 s before the end count; detections count for spurious only when
they lie at least the tolerance inside that span. The angle at TO is the estimated
dorsiflexion at the detected TO against the truth's stride angle at the true TO
(``motion.truth.strides``); the "timing only" angle error uses the true angle at both times,
so it shows what the event timing alone costs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from anklet.bench._accuracy import BenchConditions, _rounded
from anklet.errors import ValidationError
from anklet.gait import PUBLISHED_DETECTORS, GaitEvent, detect_events, foot_flexion_axes, published_events
from anklet.geometry import SIDES
from anklet.pipeline import AngleChunk, angles_from_table, table_from_notifications
from anklet.sim import Scenario, SimulatedSession, load_scenario, simulate

SPEEDS_MPS = (2.5, 3.5, 4.5, 5.5)
STRIKES = ("rearfoot", "midfoot", "forefoot")
BASE_SCENARIO = "easy_run"
DETECTORS = ("ours", *PUBLISHED_DETECTORS)
DETECTOR_LABELS = {"ours": "ours (impact; contact-point model)", **{n: d.label for n, d in PUBLISHED_DETECTORS.items()}}
SCORED_EVENTS = {"ours": ("IC", "TO", "MS"), **{n: (d.event,) for n, d in PUBLISHED_DETECTORS.items()}}
MATCH_TOLERANCE_S = 0.15
"""A detection within this of a true event of its kind and side detects it, s: wide enough for
the published detectors' biases (up to about 100 ms here) to show as errors, not as misses, and
still far below the 0.6-0.8 s between two events of one kind and foot."""
END_MARGIN_S = 1.0
"""True events this close to the session's end are not scored, s."""
TARGET_MEDIAN_MS = 5.0
TARGET_DETECTED_PCT = 99.0
TARGET_SPURIOUS_PCT = 1.0
TARGET_TO_ANGLE_MAE_DEG = 2.0
"""Targets (issue): IC and TO median |error| <= 5 ms, >= 99 % detected, <= 1 % spurious; ankle
angle at TO mean |error| <= 2 deg; for our detector, at every speed and strike pattern."""


@dataclass(frozen=True)
class EventScore:
    """One detector's figures for one event kind, pooled over sides (and seeds, when summed).

    Attributes:
        errors_s: (k,) detection - truth of the detected true events, s.
        true_events: true events scored; detections: detections that could be spurious;
        spurious: those of them that match no true event (or a true event already matched).
        to_angle_errors_deg: (m,) estimated angle at the detected TO - true angle at TO, deg
            (TO only; true strides whose estimate had no angle are left out).
        to_timing_errors_deg: (m,) the same with the true angle at the detected TO, deg.
    """

    errors_s: np.ndarray
    true_events: int
    detections: int
    spurious: int
    to_angle_errors_deg: np.ndarray = field(default_factory=lambda: np.empty(0))
    to_timing_errors_deg: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def median_abs_ms(self) -> float | None:
        return _stat(np.median, np.abs(self.errors_s) * 1000.0)

    @property
    def bias_ms(self) -> float | None:
        return _stat(np.mean, self.errors_s * 1000.0)

    @property
    def p95_abs_ms(self) -> float | None:
        return _stat(lambda e: np.percentile(e, 95), np.abs(self.errors_s) * 1000.0)

    @property
    def detected_pct(self) -> float:
        return 100.0 * len(self.errors_s) / self.true_events if self.true_events else 0.0

    @property
    def spurious_pct(self) -> float:
        return 100.0 * self.spurious / self.detections if self.detections else 0.0

    @property
    def to_angle_mae_deg(self) -> float | None:
        return _stat(np.mean, np.abs(self.to_angle_errors_deg))

    @property
    def to_timing_mae_deg(self) -> float | None:
        return _stat(np.mean, np.abs(self.to_timing_errors_deg))

    @staticmethod
    def pooled(scores: list[EventScore]) -> EventScore:
        return EventScore(
            np.concatenate([s.errors_s for s in scores]),
            sum(s.true_events for s in scores),
            sum(s.detections for s in scores),
            sum(s.spurious for s in scores),
            np.concatenate([s.to_angle_errors_deg for s in scores]),
            np.concatenate([s.to_timing_errors_deg for s in scores]),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "median_abs_ms": _rounded(self.median_abs_ms),
            "bias_ms": _rounded(self.bias_ms),
            "p95_abs_ms": _rounded(self.p95_abs_ms),
            "detected_pct": round(self.detected_pct, 2),
            "spurious_pct": round(self.spurious_pct, 2),
            "true_events": self.true_events,
            "detections": self.detections,
            "to_angle_mae_deg": _rounded(self.to_angle_mae_deg),
            "to_timing_mae_deg": _rounded(self.to_timing_mae_deg),
        }


@dataclass(frozen=True)
class ScenarioResult:
    """One speed and strike pattern over all seeds: ``scores[detector][event]``, and the
    pipeline's one-sentence reasons for seeds without angles."""

    scenario: str
    speed_mps: float
    strike: str
    seeds: int
    scores: dict[str, dict[str, EventScore]]
    failures: tuple[str, ...] = ()

    def missed(self) -> list[str]:
        """One phrase per target our detector misses here."""
        missed = []
        for event in ("IC", "TO"):
            score = self.scores["ours"][event]
            if score.median_abs_ms is None or score.median_abs_ms > TARGET_MEDIAN_MS:
                missed.append(f"{event} median {_text(score.median_abs_ms)} ms > {TARGET_MEDIAN_MS:g} ms")
            if score.detected_pct < TARGET_DETECTED_PCT:
                missed.append(f"{event} detected {score.detected_pct:.1f} % < {TARGET_DETECTED_PCT:g} %")
            if score.spurious_pct > TARGET_SPURIOUS_PCT:
                missed.append(f"{event} spurious {score.spurious_pct:.1f} % > {TARGET_SPURIOUS_PCT:g} %")
        mae = self.scores["ours"]["TO"].to_angle_mae_deg
        if mae is None or mae > TARGET_TO_ANGLE_MAE_DEG:
            missed.append(f"angle at TO MAE {_text(mae)} deg > {TARGET_TO_ANGLE_MAE_DEG:g} deg")
        return [f"{self.scenario}: {phrase}" for phrase in missed]

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "speed_mps": self.speed_mps,
            "strike": self.strike,
            "seeds": self.seeds,
            "failures": list(self.failures),
            "detectors": {
                detector: {event: score.to_json() for event, score in by_event.items()}
                for detector, by_event in self.scores.items()
            },
            "targets_met": not self.missed(),
        }


@dataclass(frozen=True)
class EventsReport:
    """Everything ``anklet bench events`` measured."""

    conditions: BenchConditions
    seeds: int
    duration_s: float
    results: tuple[ScenarioResult, ...]

    @property
    def missed(self) -> list[str]:
        return [phrase for result in self.results for phrase in result.missed()]

    @property
    def targets_met(self) -> bool:
        return not self.missed

    def pooled(self, detector: str, event: str) -> EventScore:
        """One detector's figures for one event over every scenario."""
        return EventScore.pooled([result.scores[detector][event] for result in self.results])

    def to_json(self) -> dict[str, Any]:
        return {
            "conditions": {**dataclasses.asdict(self.conditions), "link": self.conditions.link_overrides()},
            "seeds": self.seeds,
            "duration_s": self.duration_s,
            "match_tolerance_s": MATCH_TOLERANCE_S,
            "targets": {
                "median_abs_ms": TARGET_MEDIAN_MS,
                "detected_pct": TARGET_DETECTED_PCT,
                "spurious_pct": TARGET_SPURIOUS_PCT,
                "to_angle_mae_deg": TARGET_TO_ANGLE_MAE_DEG,
            },
            "results": [result.to_json() for result in self.results],
            "pooled": {
                detector: {event: self.pooled(detector, event).to_json() for event in SCORED_EVENTS[detector]}
                for detector in DETECTORS
            },
            "targets_met": self.targets_met,
            "missed": self.missed,
        }


def bench_events(
    speeds_mps: tuple[float, ...] = SPEEDS_MPS,
    strikes: tuple[str, ...] = STRIKES,
    *,
    seeds: int = 2,
    duration_s: float = 60.0,
    conditions: BenchConditions | None = None,
    progress: Callable[[str], None] | None = None,
) -> EventsReport:
    """Simulate running at every speed and strike pattern for seeds 0..seeds-1 and score every
    detector. Raises ValidationError for bad numbers or an unknown strike before anything runs."""
    conditions = conditions or BenchConditions()
    if seeds < 1:
        raise ValidationError(f"the bench needs at least one seed, not {seeds}")
    if not duration_s > conditions.score_from_s + END_MARGIN_S:
        raise ValidationError(
            f"duration must be longer than {conditions.score_from_s + END_MARGIN_S:g} s (standing, and the end margin)"
        )
    unknown = sorted(set(strikes) - set(STRIKES))
    if unknown:
        raise ValidationError(f"no strike pattern {unknown[0]!r}; known: {', '.join(STRIKES)}")
    base = conditions.apply(load_scenario(BASE_SCENARIO))
    tell = progress or (lambda _text: None)
    results = []
    for speed in dict.fromkeys(speeds_mps):
        for strike in dict.fromkeys(strikes):
            scenario = running_scenario(base, speed, strike)
            runs, failures = [], []
            for seed in range(seeds):
                tell(f"{scenario.name}, seed {seed}")
                scores, failure = score_session(simulate(scenario, seed=seed, duration_s=duration_s), conditions)
                runs.append(scores)
                failures += [failure] if failure else []
            pooled = {
                detector: {event: EventScore.pooled([run[detector][event] for run in runs]) for event in SCORED_EVENTS[detector]}
                for detector in DETECTORS
            }
            results.append(ScenarioResult(scenario.name, speed, strike, seeds, pooled, tuple(dict.fromkeys(failures))))
    return EventsReport(conditions, seeds, duration_s, tuple(results))


def running_scenario(base: Scenario, speed_mps: float, strike: str) -> Scenario:
    """``base`` running at ``speed_mps`` with the ``strike`` pattern (its ``[motion]`` table
    overridden the way the bench conditions override its ``[link]`` table)."""
    return dataclasses.replace(
        base, name=f"run_{speed_mps:g}_{strike}", motion={**base.motion, "speed_mps": speed_mps, "strike": strike}
    )


def score_session(
    session: SimulatedSession, conditions: BenchConditions
) -> tuple[dict[str, dict[str, EventScore]], str | None]:
    """Every detector's scores on one simulated session, and the pipeline's reason when it
    gave no angles (then no TO angle is scored)."""
    rate_hz = session.sample_rate_hz
    table = table_from_notifications(session.notifications())
    angles, calibration, failure = None, None, None
    try:
        angles, calibration = angles_from_table(table, rate_hz)
    except ValidationError as exc:
        failure = str(exc)
    found = {"ours": detect_events(table, rate_hz), **published_events(table, rate_hz, foot_flexion_axes(table, rate_hz, calibration))}
    span = (conditions.score_from_s, session.motion.duration_s - END_MARGIN_S)
    scores = {
        detector: {event: _score(session, found[detector], event, span, angles) for event in SCORED_EVENTS[detector]}
        for detector in DETECTORS
    }
    return scores, failure


def _score(
    session: SimulatedSession, found: list[GaitEvent], event: str, span: tuple[float, float], angles: AngleChunk | None
) -> EventScore:
    truth = session.motion.truth
    parts = []
    for side in SIDES:
        true_t = np.array([e.t for e in truth.events if e.side == side and e.event == event and span[0] <= e.t <= span[1]])
        detected_t = np.array([e.t for e in found if e.side == side and e.event == event])
        errors, spurious, counted = _match(true_t, detected_t, span)
        angle_errors, timing_errors = np.empty(0), np.empty(0)
        if event == "TO":
            angle_errors, timing_errors = _to_angle_errors(session, side, detected_t, span, angles)
        parts.append(EventScore(errors, len(true_t), counted, spurious, angle_errors, timing_errors))
    return EventScore.pooled(parts)


def _match(true_t: np.ndarray, detected_t: np.ndarray, span: tuple[float, float]) -> tuple[np.ndarray, int, int]:
    """Errors of the detected true events (s), spurious detections, detections that count."""
    errors = np.empty(0)
    matched = np.zeros(len(detected_t), dtype=bool)
    if len(true_t) and len(detected_t):
        nearest = _nearest(detected_t, true_t)
        error = detected_t[nearest] - true_t
        hit = np.abs(error) <= MATCH_TOLERANCE_S
        errors = error[hit]
        matched[nearest[hit]] = True
    inside = (detected_t >= span[0] + MATCH_TOLERANCE_S) & (detected_t <= span[1] - MATCH_TOLERANCE_S)
    return errors, int((inside & ~matched).sum()), int(inside.sum())


def _to_angle_errors(
    session: SimulatedSession, side: str, detected_t: np.ndarray, span: tuple[float, float], angles: AngleChunk | None
) -> tuple[np.ndarray, np.ndarray]:
    """(estimated angle at the detected TO - true stride angle, true angle at the detected TO -
    true stride angle), deg, for the true strides in the span whose TO was detected."""
    strides = [s for s in session.motion.truth.strides if s.side == side and span[0] <= s.to_t <= span[1]]
    if not strides or not len(detected_t):
        return np.empty(0), np.empty(0)
    true_to = np.array([s.to_t for s in strides])
    true_deg = np.array([s.ankle_angle_at_to_deg for s in strides])
    at = detected_t[_nearest(detected_t, true_to)]
    hit = np.abs(at - true_to) <= MATCH_TOLERANCE_S
    motion = session.motion
    timing = np.degrees(np.interp(at, motion.t, motion.truth.angles_rad[side][:, 0])) - true_deg
    estimate = np.full(len(at), np.nan)
    if angles is not None and side in angles.angles:
        estimate = np.degrees(np.interp(at, angles.t, angles.angles[side][:, 0]))
    angle = estimate - true_deg
    return angle[hit & ~np.isnan(angle)], timing[hit]


def _nearest(sorted_t: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Index of the element of ``sorted_t`` (non-empty) nearest to each of ``at``."""
    right = np.clip(np.searchsorted(sorted_t, at), 1, max(len(sorted_t) - 1, 1))
    left = right - 1
    if len(sorted_t) == 1:
        return np.zeros(len(at), dtype=int)
    return np.where(np.abs(sorted_t[left] - at) <= np.abs(sorted_t[right] - at), left, right)


def _stat(reduce, values: np.ndarray) -> float | None:
    return float(reduce(values)) if len(values) else None


def _text(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
