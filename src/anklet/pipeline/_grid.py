"""Live: several sensors' timed samples onto one host-time grid.

Each sensor's rows are fixed as soon as that sensor has covered them (so stages that read one
sensor, such as the foot's gait events, need not wait for the others), and a row is released
for all sensors together once every sensor still talking has covered it. A sensor silent for
longer than ``max_wait_s`` does not hold the others back: its rows are missing (NaN) instead.
A hole in a sensor's samples holds its rows only when packets are missing there (a sequence
gap) and only for ``reorder_wait_s``, in case BLE delivers them late; a hole with no packet
missing (a clock-sync step, a firmware FIFO overflow) can never fill and holds nothing.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from anklet.files import ImuTable
from anklet.pipeline._link import TimedSamples
from anklet.pipeline._offline import MAX_GAP_PERIODS
from anklet.timing import resample


class GridRelease(NamedTuple):
    """What one step of the grid released: ``sensor_rows``, one table per sensor of the rows
    just fixed for it (each sensor's rows come once, in order, and are the ones ``rows`` will
    hold); ``rows``, the rows now complete for every sensor (None if none)."""

    sensor_rows: list[ImuTable]
    rows: ImuTable | None


_NOTHING = GridRelease([], None)


class _SensorRows:
    """One sensor's samples not yet behind its fixed rows, kept as arrays plus a list of new
    packets, and its fixed rows not yet released for all sensors."""

    def __init__(self, period_s: float) -> None:
        self.t = np.empty(0)
        self.values = np.empty((0, 6))
        self._new: list[TimedSamples] = []
        self._period_s = period_s
        self._holes: list[tuple[float, float, float]] = []  # (start s, end s, seen at s)
        self.latest_sample_s = -math.inf
        self.latest_arrival_s = -math.inf
        self.next_row = 0  # the first grid row not fixed yet
        self.fixed: list[np.ndarray] = []  # (n, 6) rows fixed, from the grid's next joint row on

    def add(self, samples: TimedSamples, arrival_s: float) -> None:
        self._new.append(samples)
        first, last = float(samples.t[0]), float(samples.t[-1])
        # a late packet inside a hole fills it (if more were missing there, they stay missing)
        self._holes = [hole for hole in self._holes if not hole[0] < first < hole[1] and not hole[0] < last < hole[1]]
        hole = math.isfinite(self.latest_sample_s) and first > self.latest_sample_s + MAX_GAP_PERIODS * self._period_s
        if hole and samples.follows_loss:
            self._holes.append((self.latest_sample_s, first, arrival_s))
        self.latest_sample_s = max(self.latest_sample_s, last)
        self.latest_arrival_s = arrival_s

    def ready_until(self, now_s: float, reorder_wait_s: float) -> float:
        """Host time up to which this sensor's rows are final."""
        self._holes = [hole for hole in self._holes if now_s - hole[2] <= reorder_wait_s]
        return min([self.latest_sample_s, *(hole[0] for hole in self._holes)])

    def fix_until(self, last_row: int, rate_hz: float) -> tuple[np.ndarray, np.ndarray] | None:
        """Fix the rows up to ``last_row`` from the samples: (times (n,) s, rows (n, 6)), or
        None when they are fixed already."""
        if last_row < self.next_row:
            return None
        grid = np.arange(self.next_row, last_row + 1) / rate_hz
        if self._new:
            self.t = np.concatenate([self.t, *(s.t for s in self._new)])
            self.values = np.vstack([self.values, *(np.hstack([s.acc, s.gyr]) for s in self._new)])
            self._new = []
        rows = resample(self.t, self.values, grid, max_gap_periods=MAX_GAP_PERIODS, period_s=self._period_s)
        # keep the last sample at or before the last row: the next row is interpolated from it
        behind = self.t <= grid[-1]
        keep = self.t >= (self.t[behind].max() if behind.any() else -math.inf)
        self.t, self.values = self.t[keep], self.values[keep]
        self.fixed.append(rows)
        self.next_row = last_row + 1
        return grid, rows

    def take_fixed(self, count: int) -> np.ndarray:
        """The first ``count`` fixed rows, forgotten here."""
        fixed = self.fixed[0] if len(self.fixed) == 1 else np.vstack(self.fixed)
        self.fixed = [fixed[count:]] if count < len(fixed) else []
        return fixed[:count]


class LiveGrid:
    """Grid rows k / rate_hz for ``sensors``, fixed per sensor and released as they become
    complete.

    ``add(name, samples, arrival_s)`` takes a packet's timed samples; ``advance(now_s)``
    returns the :class:`GridRelease` of that moment; ``flush()`` releases every row the
    samples cover, at the end of a session.
    """

    def __init__(self, sensors: list[str], rate_hz: float, max_wait_s: float, reorder_wait_s: float = 0.03) -> None:
        self.sensors = sensors
        self.rate_hz = rate_hz
        self.max_wait_s = max_wait_s
        self.reorder_wait_s = reorder_wait_s
        self._sensors = {name: _SensorRows(1 / rate_hz) for name in sensors}
        self._next_row: int | None = None  # grid rows are k / rate_hz; k of the next joint one

    def add(self, name: str, samples: TimedSamples, arrival_s: float) -> None:
        if self._next_row is None:
            self._next_row = math.ceil(samples.t[0] * self.rate_hz)
            for sensor in self._sensors.values():
                sensor.next_row = self._next_row
        self._sensors[name].add(samples, arrival_s)

    def advance(self, now_s: float) -> GridRelease:
        talking = {name: sensor for name, sensor in self._sensors.items()
                   if now_s - sensor.latest_arrival_s <= self.max_wait_s}
        if not talking:
            return _NOTHING
        sensor_rows = self._fix({
            name: math.floor(sensor.ready_until(now_s, self.reorder_wait_s) * self.rate_hz)
            for name, sensor in talking.items()})
        last_row = min(sensor.next_row for sensor in talking.values()) - 1
        sensor_rows += self._fix({name: last_row for name in self._sensors if name not in talking})
        return GridRelease(sensor_rows, self._rows_until(last_row))

    def flush(self) -> GridRelease:
        if self._next_row is None:
            return _NOTHING
        last_row = math.floor(max(sensor.latest_sample_s for sensor in self._sensors.values()) * self.rate_hz)
        return GridRelease(self._fix(dict.fromkeys(self._sensors, last_row)), self._rows_until(last_row))

    def _fix(self, last_rows: dict[str, int]) -> list[ImuTable]:
        tables = []
        for name, last_row in last_rows.items():
            fixed = self._sensors[name].fix_until(last_row, self.rate_hz)
            if fixed is not None:
                grid, rows = fixed
                tables.append(ImuTable(grid, {name: rows[:, :3]}, {name: rows[:, 3:]}))
        return tables

    def _rows_until(self, last_row: int) -> ImuTable | None:
        if self._next_row is None or last_row < self._next_row:
            return None
        count = last_row + 1 - self._next_row
        grid = np.arange(self._next_row, last_row + 1) / self.rate_hz
        acc, gyr = {}, {}
        for name, sensor in self._sensors.items():
            rows = sensor.take_fixed(count)
            acc[name], gyr[name] = rows[:, :3], rows[:, 3:]
        self._next_row = last_row + 1
        return ImuTable(grid, acc, gyr)
