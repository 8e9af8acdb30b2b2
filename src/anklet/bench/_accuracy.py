"""Accuracy of the whole chain against the simulator's ground truth.

Each scenario is simulated under the bench conditions (:class:`BenchConditions`: sensors
strapped on at random, the default IMU error model, packet loss, crystal drift) and its BLE
notifications go through the offline pipeline exactly as a recording would
(``table_from_notifications`` then ``angles_from_table``). The estimated dorsiflexion is
compared with the truth at the chunk's host times (the simulator's host time axis is its true
time axis), from ``score_from_s`` on, so the quiet standing the calibration rests on (4 s in
every shipped scenario) is not counted.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from anklet.calibration import Calibration, CalibrationParams
from anklet.errors import ValidationError
from anklet.geometry import SIDES
from anklet.pipeline import AngleChunk, AngleParams, angles_from_table, table_from_notifications
from anklet.sim import Scenario, SimulatedSession, load_scenario, simulate
from anklet.transport import Notification

RUNNING_SCENARIOS = ("easy_run", "restricted_pf_right", "fast_forefoot", "asymmetric_fatigue")
SQUAT_SCENARIOS = ("squats", "squats_restricted", "split_squat")
DEFAULT_SCENARIOS = RUNNING_SCENARIOS + SQUAT_SCENARIOS
TARGET_KINDS = ("running", "squat", "split_squat")
"""Motion kinds the accuracy target applies to (running and squatting); others are reported only."""
TARGET_RMSE_DEG = 2.0
"""Target: dorsiflexion RMSE per side and scenario, deg."""
TARGET_DRIFT_DEG = 1.0
"""Target: largest change of the mean dorsiflexion error over the long run, deg."""
DRIFT_BLOCK_S = 300.0
"""Block length of the drift table, s (shorter runs use a sixth of their length)."""
_LOSS_KEYS = ("loss_prob", "burst_enter_prob", "mean_burst_len")


@dataclass(frozen=True, slots=True)
class BenchConditions:
    """What the bench forces onto every scenario.

    Attributes:
        loss_pct: data packets lost on the BLE link, % (expected value per sensor).
        burst_share: fraction of that loss in Gilbert-Elliott bursts; the rest is lost one
            packet at a time.
        mean_burst_len: mean packets per burst (at 50 packets/s, 5 packets are 100 ms).
        clock_drift_ppm: every sensor's crystal runs this far off, fast or slow at random, ppm.
        score_from_s: rows before this session time are not scored, s (the quiet standing).
    """

    loss_pct: float = 5.0
    burst_share: float = 0.5
    mean_burst_len: float = 5.0
    clock_drift_ppm: float = 50.0
    score_from_s: float = 5.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.loss_pct < 100.0:
            raise ValidationError(f"packet loss must be at least 0 % and below 100 %, not {self.loss_pct:g} %")
        if not 0.0 <= self.burst_share <= 1.0 or self.mean_burst_len < 1.0:
            raise ValidationError("burst_share must be in [0, 1] and mean_burst_len at least 1 packet")
        if self.clock_drift_ppm < 0.0 or self.score_from_s < 0.0:
            raise ValidationError("clock_drift_ppm and score_from_s must not be negative")

    def link_overrides(self) -> dict[str, float]:
        """``[link]`` settings that lose ``loss_pct`` % of packets, ``burst_share`` of it in bursts.

        Single and burst losses are independent, so (1 - loss) = (1 - single)(1 - burst). A
        Gilbert-Elliott channel entering a burst with probability p per packet and staying for
        L packets on average spends pL / (1 + pL) of the packets in bursts.
        """
        kept = 1.0 - self.loss_pct / 100.0
        single = 1.0 - kept ** (1.0 - self.burst_share)
        burst = 1.0 - kept**self.burst_share
        enter = burst / (self.mean_burst_len * (1.0 - burst))
        return {"loss_prob": single, "burst_enter_prob": enter, "mean_burst_len": self.mean_burst_len}

    def apply(self, scenario: Scenario) -> Scenario:
        """``scenario`` with random mounting, the default IMU errors, this loss and this drift.

        Per-sensor link and firmware tables keep everything else (a disconnect, a reboot) but
        lose any loss or drift setting of their own.
        """
        return dataclasses.replace(
            scenario,
            mounting="random",
            imu={},
            link={**scenario.link, **self.link_overrides()},
            firmware={**scenario.firmware, "clock_drift_ppm": self.clock_drift_ppm},
            per_sensor_link={
                name: {k: v for k, v in table.items() if k not in _LOSS_KEYS}
                for name, table in scenario.per_sensor_link.items()
            },
            per_sensor_firmware={
                name: {k: v for k, v in table.items() if k != "clock_drift_ppm"}
                for name, table in scenario.per_sensor_firmware.items()
            },
        )

    def to_json(self) -> dict[str, Any]:
        """The conditions as the benches' ``--json`` reports them, with the link settings they force."""
        return {**dataclasses.asdict(self), "link": self.link_overrides()}

    def describe(self) -> str:
        """One line for people: what the conditions are."""
        single = self.loss_pct * (1.0 - self.burst_share)
        loss = (
            f"{self.loss_pct:g} % packet loss (about {single:g} % one at a time, {self.loss_pct - single:g} % "
            f"in bursts of {self.mean_burst_len:g} packets on average)"
            if self.loss_pct > 0
            else "no packet loss"
        )
        return (
            f"random mounting, default IMU errors (noise, bias, bias walk, scale, misalignment), {loss}, "
            f"clock drift ±{self.clock_drift_ppm:g} ppm; scored from t = {self.score_from_s:g} s"
        )



class BenchReport:
    """What every bench report shares: the ``conditions`` and ``seeds`` it ran under, and a
    verdict from ``missed`` (one phrase per target missed), which each report defines."""

    conditions: BenchConditions
    seeds: int
    missed: tuple[str, ...] | list[str]

    @property
    def targets_met(self) -> bool:
        return not self.missed

    def _json(self, figures: dict[str, Any]) -> dict[str, Any]:
        """The report's JSON: conditions and seeds, its ``figures``, then the verdict."""
        return {
            "conditions": self.conditions.to_json(),
            "seeds": self.seeds,
            **figures,
            "targets_met": self.targets_met,
            "missed": list(self.missed),
        }

@dataclass(frozen=True)
class RunResult:
    """One scenario, one seed.

    Attributes:
        error_deg: per side, (k,) estimate - truth of the scored rows that have an angle, deg.
        missing: per side, scored rows without an angle.
        rows: scored rows (the same for both sides).
        quality: per side, calibration quality 0-1 (absent when calibration failed).
        failure: the pipeline's one-sentence reason when it gave no angles at all, else None.
        packet_loss_pct: data packets lost per sensor, %.
        clock_drift_ppm: per sensor, the simulated crystal's drift, ppm.
    """

    scenario: str
    kind: str
    seed: int
    duration_s: float
    sides: tuple[str, ...]
    error_deg: dict[str, np.ndarray]
    missing: dict[str, int]
    rows: int
    quality: dict[str, float]
    failure: str | None
    packet_loss_pct: dict[str, float]
    clock_drift_ppm: dict[str, float]

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "duration_s": self.duration_s,
            "failure": self.failure,
            "packet_loss_pct": {name: round(v, 3) for name, v in self.packet_loss_pct.items()},
            "clock_drift_ppm": {name: round(v, 3) for name, v in self.clock_drift_ppm.items()},
            "sides": {
                side: {
                    **_error_figures(self.error_deg[side], self.missing[side], self.rows),
                    "quality": _rounded(self.quality.get(side)),
                }
                for side in self.sides
            },
        }


@dataclass(frozen=True)
class SideSummary:
    """One scenario and side over all seeds: pooled error figures (deg) and calibration."""

    scenario: str
    kind: str
    side: str
    seeds: int
    calibrated_seeds: int
    rmse_deg: float | None
    max_deg: float | None
    p95_deg: float | None
    mean_deg: float | None
    missing_pct: float
    quality: float | None
    failures: tuple[str, ...]

    @property
    def judged(self) -> bool:
        """Whether the accuracy target applies (running and squatting scenarios)."""
        return self.kind in TARGET_KINDS

    @property
    def target_met(self) -> bool | None:
        """RMSE within target with every seed calibrated; None when the target does not apply."""
        if not self.judged:
            return None
        return self.calibrated_seeds == self.seeds and self.rmse_deg is not None and self.rmse_deg <= TARGET_RMSE_DEG

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "kind": self.kind,
            "side": self.side,
            "seeds": self.seeds,
            "calibrated_seeds": self.calibrated_seeds,
            "rmse_deg": _rounded(self.rmse_deg),
            "max_deg": _rounded(self.max_deg),
            "p95_deg": _rounded(self.p95_deg),
            "mean_deg": _rounded(self.mean_deg),
            "missing_pct": round(self.missing_pct, 2),
            "quality": _rounded(self.quality),
            "target_met": self.target_met,
            "failures": list(self.failures),
        }


@dataclass(frozen=True)
class DriftBlock:
    """One block of the long run: [start_s, end_s) and per side mean error, RMSE (deg), missing %."""

    start_s: float
    end_s: float
    mean_deg: dict[str, float | None]
    rmse_deg: dict[str, float | None]
    missing_pct: dict[str, float]


@dataclass(frozen=True)
class DriftResult:
    """The long run: per-block errors and, per side, the drift: the largest |block mean - first
    block mean|, deg (None when the run gave no angles)."""

    scenario: str
    seed: int
    duration_s: float
    block_s: float
    blocks: tuple[DriftBlock, ...]
    drift_deg: dict[str, float | None]
    failure: str | None

    @property
    def target_met(self) -> bool:
        return self.failure is None and all(d is not None and d <= TARGET_DRIFT_DEG for d in self.drift_deg.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "duration_s": self.duration_s,
            "block_s": self.block_s,
            "failure": self.failure,
            "blocks": [
                {
                    "start_s": block.start_s,
                    "end_s": block.end_s,
                    **{
                        side: {
                            "mean_deg": _rounded(block.mean_deg[side]),
                            "rmse_deg": _rounded(block.rmse_deg[side]),
                            "missing_pct": round(block.missing_pct[side], 2),
                        }
                        for side in block.mean_deg
                    },
                }
                for block in self.blocks
            ],
            "drift_deg": {side: _rounded(d) for side, d in self.drift_deg.items()},
            "target_deg": TARGET_DRIFT_DEG,
            "target_met": self.target_met,
        }


@dataclass(frozen=True)
class AccuracyReport(BenchReport):
    """Everything ``anklet bench accuracy`` measured."""

    conditions: BenchConditions
    seeds: int
    summaries: tuple[SideSummary, ...]
    runs: tuple[RunResult, ...]
    drift: DriftResult | None = None
    missed: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return self._json({
            "targets": {"rmse_deg": TARGET_RMSE_DEG, "drift_deg": TARGET_DRIFT_DEG, "kinds": list(TARGET_KINDS)},
            "results": [summary.to_json() for summary in self.summaries],
            "runs": [run.to_json() for run in self.runs],
            "drift": None if self.drift is None else self.drift.to_json(),
        })


def bench_accuracy(
    scenarios: tuple[str, ...] = DEFAULT_SCENARIOS,
    *,
    seeds: int = 3,
    duration_s: float | None = None,
    drift_minutes: float = 30.0,
    conditions: BenchConditions | None = None,
    progress: Callable[[str], None] | None = None,
) -> AccuracyReport:
    """Run every scenario (name or TOML path) for seeds 0..seeds-1 and, unless
    ``drift_minutes`` is 0, the long easy_run for the drift table.

    ``duration_s`` overrides every scenario's own length; ``progress`` is told what runs
    next. Raises ValidationError for an unknown scenario or bad numbers before anything runs;
    a pipeline that cannot calibrate a session is a result (``failure``), not an error.
    """
    conditions = conditions or BenchConditions()
    if seeds < 1:
        raise ValidationError(f"the bench needs at least one seed, not {seeds}")
    if duration_s is not None and not duration_s > 0:
        raise ValidationError(f"duration must be positive, not {duration_s:g} s")
    if not drift_minutes >= 0:
        raise ValidationError(f"drift minutes must be 0 (skip) or positive, not {drift_minutes:g}")
    loaded = [conditions.apply(load_scenario(name)) for name in dict.fromkeys(scenarios)]
    tell = progress or (lambda _text: None)
    runs = []
    for scenario in loaded:
        for seed in range(seeds):
            tell(f"{scenario.name}, seed {seed}")
            runs.append(run_scenario(scenario, seed, duration_s, conditions))
    summaries = tuple(
        _summarise([run for run in runs if run.scenario == scenario.name], side)
        for scenario in loaded
        for side in _sides(scenario)
    )
    drift = None
    if drift_minutes > 0:
        tell(f"drift run: easy_run for {drift_minutes:g} min")
        drift = drift_over_time(drift_minutes * 60.0, conditions=conditions)
    return AccuracyReport(conditions, seeds, summaries, tuple(runs), drift, _missed(summaries, drift))


def run_scenario(
    scenario: Scenario, seed: int, duration_s: float | None, conditions: BenchConditions
) -> RunResult:
    """Simulate ``scenario`` (already under the bench conditions) and score its dorsiflexion."""
    session = simulate(scenario, seed=seed, duration_s=duration_s)
    sides = _sides(scenario)
    t, angles, quality, failure = _pipeline(session)
    rows = (t >= conditions.score_from_s) & (t <= session.motion.t[-1])
    error_deg, missing = {}, {}
    for side in sides:
        error = _dorsiflexion_error_deg(session, t, angles, side, rows)
        present = ~np.isnan(error)
        error_deg[side] = error[present]
        missing[side] = int((~present).sum())
    if failure is not None:  # no angles at all: every row of the session counts as missing
        rows = session.host_grid() >= conditions.score_from_s
        missing = {side: int(rows.sum()) for side in sides}
    return RunResult(
        scenario=scenario.name,
        kind=scenario.kind,
        seed=seed,
        duration_s=session.duration_s,
        sides=sides,
        error_deg=error_deg,
        missing=missing,
        rows=int(rows.sum()),
        quality=quality,
        failure=failure,
        packet_loss_pct={
            name: 100.0 * sensor.delivery.stats.packets_lost / max(1, sensor.delivery.stats.packets_sent)
            for name, sensor in session.sensors.items()
        },
        clock_drift_ppm={name: sensor.clock.drift_ppm for name, sensor in session.sensors.items()},
    )


def drift_over_time(
    duration_s: float = 1800.0,
    *,
    scenario: str = "easy_run",
    seed: int = 0,
    conditions: BenchConditions | None = None,
) -> DriftResult:
    """Run ``scenario`` for ``duration_s`` and tabulate the dorsiflexion error per block.

    Blocks are 5 min long, or a sixth of the run when it is shorter than 30 min.
    """
    conditions = conditions or BenchConditions()
    loaded = conditions.apply(load_scenario(scenario))
    session = simulate(loaded, seed=seed, duration_s=duration_s)
    sides = _sides(loaded)
    t, angles, _, failure = _pipeline(session)
    block_s = min(DRIFT_BLOCK_S, session.duration_s / 6.0)
    edges = np.arange(math.ceil(session.duration_s / block_s - 1e-9) + 1) * block_s
    blocks = []
    for start, end in zip(edges[:-1], edges[1:], strict=True):
        rows = (t >= max(start, conditions.score_from_s)) & (t < end) & (t <= session.motion.t[-1])
        mean, rmse, missing = {}, {}, {}
        for side in sides:
            error = _dorsiflexion_error_deg(session, t, angles, side, rows)
            error = error[~np.isnan(error)]
            mean[side] = float(error.mean()) if len(error) else None
            rmse[side] = float(np.sqrt(np.mean(error**2))) if len(error) else None
            missing[side] = 100.0 * (1.0 - len(error) / rows.sum()) if rows.sum() else 100.0
        blocks.append(DriftBlock(float(start), float(end), mean, rmse, missing))
    drift = {}
    for side in sides:
        means = [block.mean_deg[side] for block in blocks]
        drift[side] = (
            None
            if failure is not None or means[0] is None or None in means
            else max(abs(m - means[0]) for m in means)
        )
    return DriftResult(loaded.name, seed, session.duration_s, block_s, tuple(blocks), drift, failure)


def _pipeline(session: SimulatedSession) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, float], str | None]:
    """Host times (n,), angles per side (n, 3) rad, calibration quality per side and, when the
    pipeline refused the session, its one-sentence reason."""
    try:
        chunk, calibration = offline_angles(session, session.notifications())
    except ValidationError as exc:
        return np.empty(0), {}, {}, str(exc)
    return chunk.t, chunk.angles, dict(calibration.quality), None


def offline_angles(session: SimulatedSession, notifications: list[Notification]) -> tuple[AngleChunk, Calibration]:
    """``notifications`` (``session``'s, or changed) through the offline pipeline as a recording
    would go: the angles and the calibration they rest on."""
    table = table_from_notifications(notifications)
    # the activity as a live session or ``analyze --activity`` would name it: it says which of
    # calibration's swap checks hold
    params = AngleParams(calibration=CalibrationParams(activity=session.scenario.kind))
    return angles_from_table(table, session.sample_rate_hz, params)


def offline_dorsiflexion_deg(
    session: SimulatedSession, notifications: list[Notification]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Host times (n,) and per side the dorsiflexion (n,), deg, of ``offline_angles``."""
    chunk, _ = offline_angles(session, notifications)
    return chunk.t, {side: np.degrees(angles[:, 0]) for side, angles in chunk.angles.items()}


def _dorsiflexion_error_deg(
    session: SimulatedSession, t: np.ndarray, angles: dict[str, np.ndarray], side: str, rows: np.ndarray
) -> np.ndarray:
    """Dorsiflexion estimate - truth on the selected rows, deg; NaN where there is no estimate."""
    truth = np.interp(t[rows], session.motion.t, session.motion.truth.angles_rad[side][:, 0])
    estimate = angles[side][rows, 0] if side in angles else np.full(rows.sum(), np.nan)
    return _angle_error_deg(estimate, truth)


def _angle_error_deg(estimate_rad: np.ndarray, truth_rad: np.ndarray) -> np.ndarray:
    """Estimate - truth, deg, wrapped to [-180, 180): an orientation turned upside down is
    180 deg off, not 200."""
    return np.degrees((estimate_rad - truth_rad + np.pi) % (2.0 * np.pi) - np.pi)


def _sides(scenario: Scenario) -> tuple[str, ...]:
    """Sides with both a shank and a foot sensor: the ones that can have an ankle angle."""
    return tuple(side for side in SIDES if {f"{side}_shank", f"{side}_foot"} <= set(scenario.sensors))


def _summarise(runs: list[RunResult], side: str) -> SideSummary:
    errors = np.concatenate([run.error_deg[side] for run in runs])
    missing = sum(run.missing[side] for run in runs)
    rows = sum(run.rows for run in runs)
    calibrated = [run for run in runs if run.failure is None]
    qualities = [run.quality[side] for run in calibrated if side in run.quality]
    figures = _error_figures(errors, missing, rows)
    return SideSummary(
        scenario=runs[0].scenario,
        kind=runs[0].kind,
        side=side,
        seeds=len(runs),
        calibrated_seeds=len(calibrated),
        rmse_deg=figures["rmse_deg"],
        max_deg=figures["max_deg"],
        p95_deg=figures["p95_deg"],
        mean_deg=figures["mean_deg"],
        missing_pct=figures["missing_pct"],
        quality=float(np.mean(qualities)) if qualities else None,
        failures=tuple(dict.fromkeys(run.failure for run in runs if run.failure is not None)),
    )


def _error_figures(error_deg: np.ndarray, missing: int, rows: int) -> dict[str, Any]:
    """RMSE, max |error|, 95th percentile of |error|, mean error (deg) and missing %."""
    if len(error_deg) == 0:
        return {"rmse_deg": None, "max_deg": None, "p95_deg": None, "mean_deg": None, "missing_pct": 100.0}
    magnitude = np.abs(error_deg)
    return {
        "rmse_deg": float(np.sqrt(np.mean(error_deg**2))),
        "max_deg": float(magnitude.max()),
        "p95_deg": float(np.percentile(magnitude, 95)),
        "mean_deg": float(error_deg.mean()),
        "missing_pct": 100.0 * missing / rows if rows else 100.0,
    }


def _missed(summaries: tuple[SideSummary, ...], drift: DriftResult | None) -> tuple[str, ...]:
    """One phrase per missed target."""
    missed = []
    for s in summaries:
        if s.target_met is False:
            if s.calibrated_seeds < s.seeds:
                missed.append(f"{s.scenario} {s.side}: no angles in {s.seeds - s.calibrated_seeds} of {s.seeds} seeds")
            else:
                missed.append(f"{s.scenario} {s.side}: RMSE {s.rmse_deg:.2f} deg > {TARGET_RMSE_DEG:g} deg")
    if drift is not None and not drift.target_met:
        if drift.failure is not None:
            missed.append(f"drift run ({drift.scenario}): no angles")
        else:
            worst = max(drift.drift_deg, key=lambda side: drift.drift_deg[side] or 0.0)
            worst_deg = drift.drift_deg[worst]
            missed.append(f"drift {worst_deg:.2f} deg ({drift.scenario} {worst}) > {TARGET_DRIFT_DEG:g} deg")
    return tuple(missed)


def _rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)
