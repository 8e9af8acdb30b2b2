"""The sensors' health as a file shows it: how many of each sensor's samples are missing on the
session's grid, the rate it delivered, and its longest gap."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anklet.files import ImuTable


@dataclass(frozen=True, slots=True)
class SensorHealth:
    """One sensor over the session: ``missing_pct`` of the grid's rows without its sample, the
    ``delivered_hz`` its present samples make over the session's length, and its
    ``longest_gap_s``, s (0: none missing)."""

    name: str
    missing_pct: float
    delivered_hz: float
    longest_gap_s: float


def sensor_health(table: ImuTable, rate_hz: float) -> list[SensorHealth]:
    """Per sensor of ``table`` (on its grid at ``rate_hz``), in the table's order."""
    duration_s = len(table.t) / rate_hz
    health = []
    for name in table.sensors:
        missing = np.isnan(table.acc[name]).any(axis=1) | np.isnan(table.gyr[name]).any(axis=1)
        health.append(SensorHealth(
            name,
            100.0 * missing.mean() if len(missing) else 0.0,
            (~missing).sum() / duration_s if duration_s else 0.0,
            _longest_run(missing) / rate_hz,
        ))
    return health


def _longest_run(flags: np.ndarray) -> int:
    """The most consecutive True values in ``flags``."""
    edges = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return int((stops - starts).max()) if len(starts) else 0
