"""Benchmarks anyone can rerun: ``anklet bench accuracy`` scores the whole chain against the
simulator's ground truth."""

from anklet.bench._accuracy import (
    DEFAULT_SCENARIOS,
    TARGET_DRIFT_DEG,
    TARGET_KINDS,
    TARGET_RMSE_DEG,
    AccuracyReport,
    BenchConditions,
    DriftBlock,
    DriftResult,
    RunResult,
    SideSummary,
    bench_accuracy,
    drift_over_time,
    run_scenario,
)

__all__ = [
    "DEFAULT_SCENARIOS",
    "TARGET_DRIFT_DEG",
    "TARGET_KINDS",
    "TARGET_RMSE_DEG",
    "AccuracyReport",
    "BenchConditions",
    "DriftBlock",
    "DriftResult",
    "RunResult",
    "SideSummary",
    "bench_accuracy",
    "drift_over_time",
    "run_scenario",
]
