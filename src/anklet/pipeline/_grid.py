"""Live: several sensors' timed samples onto one host-time grid, as soon as every sensor that
is still talking has covered a grid row. A sensor silent for longer than ``max_wait_s`` does
not hold the others back: its rows are missing (NaN) instead."""

from __future__ import annotations

import math

import numpy as np

from anklet.files import ImuTable
from anklet.pipeline._link import TimedSamples
from anklet.pipeline._offline import MAX_GAP_PERIODS
from anklet.timing import resample


class _SampleBuffer:
    """One sensor's samples not yet behind the grid, kept as arrays plus a list of new packets.

    A packet that leaves a hole behind it may have overtaken a late one (BLE reorders), so
    the sensor's rows are ready only up to the oldest hole still young enough to be filled.
    """

    def __init__(self, period_s: float) -> None:
        self.t = np.empty(0)
        self.values = np.empty((0, 6))
        self._new: list[TimedSamples] = []
        self._period_s = period_s
        self._holes: list[tuple[float, float, float]] = []  # (start s, end s, seen at s)
        self.latest_sample_s = -math.inf
        self.latest_arrival_s = -math.inf

    def add(self, samples: TimedSamples, arrival_s: float) -> None:
        self._new.append(samples)
        first, last = float(samples.t[0]), float(samples.t[-1])
        # a late packet inside a hole fills it (if more were missing there, they stay missing)
        self._holes = [hole for hole in self._holes if not hole[0] < first < hole[1] and not hole[0] < last < hole[1]]
        if math.isfinite(self.latest_sample_s) and first > self.latest_sample_s + MAX_GAP_PERIODS * self._period_s:
            self._holes.append((self.latest_sample_s, first, arrival_s))
        self.latest_sample_s = max(self.latest_sample_s, last)
        self.latest_arrival_s = arrival_s

    def ready_until(self, now_s: float, max_wait_s: float) -> float:
        """Host time up to which this sensor's rows are final."""
        self._holes = [hole for hole in self._holes if now_s - hole[2] <= max_wait_s]
        return min([self.latest_sample_s, *(hole[0] for hole in self._holes)])

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._new:
            self.t = np.concatenate([self.t, *(s.t for s in self._new)])
            self.values = np.vstack([self.values, *(np.hstack([s.acc, s.gyr]) for s in self._new)])
            self._new = []
        return self.t, self.values

    def drop_before(self, time_s: float) -> None:
        """Forget samples older than the last one at or before ``time_s`` (still needed to
        interpolate the next grid row)."""
        t, values = self.arrays()
        keep = t >= (t[t <= time_s].max() if (t <= time_s).any() else -math.inf)
        self.t, self.values = t[keep], values[keep]


class LiveGrid:
    """Grid rows k / rate_hz for ``sensors``, released as they become complete.

    ``add(name, samples, arrival_s)`` takes a packet's timed samples; ``advance(now_s)``
    returns the newly complete rows as an ImuTable (or None); ``flush()`` returns every row
    the samples cover, at the end of a session.
    """

    def __init__(self, sensors: list[str], rate_hz: float, max_wait_s: float) -> None:
        self.sensors = sensors
        self.rate_hz = rate_hz
        self.max_wait_s = max_wait_s
        self._buffers = {name: _SampleBuffer(1 / rate_hz) for name in sensors}
        self._next_row: int | None = None  # grid rows are k / rate_hz; k of the next one

    def add(self, name: str, samples: TimedSamples, arrival_s: float) -> None:
        if self._next_row is None:
            self._next_row = math.ceil(samples.t[0] * self.rate_hz)
        self._buffers[name].add(samples, arrival_s)

    def advance(self, now_s: float) -> ImuTable | None:
        talking = [b for b in self._buffers.values() if now_s - b.latest_arrival_s <= self.max_wait_s]
        if not talking:
            return None
        return self._rows_until(min(b.ready_until(now_s, self.max_wait_s) for b in talking))

    def flush(self) -> ImuTable | None:
        return self._rows_until(max(b.latest_sample_s for b in self._buffers.values()))

    def _rows_until(self, until_s: float) -> ImuTable | None:
        if self._next_row is None:
            return None
        last_row = math.floor(until_s * self.rate_hz)
        if last_row < self._next_row:
            return None
        grid = np.arange(self._next_row, last_row + 1) / self.rate_hz
        acc, gyr = {}, {}
        for name, buffer in self._buffers.items():
            t, values = buffer.arrays()
            rows = resample(t, values, grid, max_gap_periods=MAX_GAP_PERIODS, period_s=1 / self.rate_hz)
            acc[name], gyr[name] = rows[:, :3], rows[:, 3:]
            buffer.drop_before(grid[-1])
        self._next_row = last_row + 1
        return ImuTable(grid, acc, gyr)
