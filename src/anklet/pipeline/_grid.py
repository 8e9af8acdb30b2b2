"""Live: several sensors' timed samples onto one host-time grid.

Each sensor's rows are fixed as soon as that sensor has covered them (so stages that read one
sensor, such as the foot's gait events, need not wait for the others), and a row is released
for all sensors together once every sensor still talking has covered it. A sensor silent for
longer than ``max_wait_s`` does not hold the others back: its rows are missing (NaN) instead.
Nor, from that moment, does a sensor whose link the transport reports down (``on_connection``):
nothing can come from it, so waiting ``max_wait_s`` would only hold the others' rows. Reported
up again, it is waited for again (for ``max_wait_s`` at most, until its data resume).
A hole in a sensor's samples holds its rows only when packets are missing there (a sequence
gap) and only for ``reorder_wait_s``, in case BLE delivers them late; a hole with no packet
missing (a clock-sync step, a firmware FIFO overflow) can never fill and holds nothing.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from anklet.files import ImuTable
from anklet.pipeline._link import TimedPackets, TimedSamples
from anklet.pipeline._offline import MAX_GAP_PERIODS
from anklet.timing._timeline import in_time_order, interpolate_in_order  # (not public: the live grid's own use)


class GridRelease(NamedTuple):
    """What one step of the grid released: ``sensor_rows``, one table per sensor of the rows
    just fixed for it (each sensor's rows come once, in order, and are the ones ``rows`` will
    hold); ``rows``, the rows now complete for every sensor (None if none)."""

    sensor_rows: list[ImuTable]
    rows: ImuTable | None


_NOTHING = GridRelease([], None)


class _SensorRows:
    """One sensor's samples not yet behind its fixed rows, and its rows fixed but not yet
    released for all sensors.

    The samples live in a buffer that a packet is copied into and old samples leave by moving
    its start: a live step copies one packet, not every sample still held.
    """

    def __init__(self, period_s: float) -> None:
        self._t = np.empty(64)
        self._values = np.empty((64, 6))
        self._start = self._end = 0  # the samples held are [start, end) of the buffer
        self._in_order = True  # a late (reordered) packet leaves them out of order until sorted
        self._period_s = period_s
        self._holes: list[tuple[float, float, float]] = []  # (start s, end s, seen at s)
        self.latest_sample_s = -math.inf
        self.latest_arrival_s = -math.inf
        self.link_down = False
        self.next_row = 0  # the first grid row not fixed yet
        self.fixed: list[np.ndarray] = []  # (n, 6) rows fixed, from the grid's next joint row on

    def add(self, samples: TimedSamples, arrival_s: float) -> None:
        first, last = float(samples.t[0]), float(samples.t[-1])
        self._copy_in(samples.t, samples.acc, samples.gyr)
        self._holes = _unfilled(self._holes, first, last)
        if self._opens_hole(first, self.latest_sample_s, samples.follows_loss):
            self._holes.append((self.latest_sample_s, first, arrival_s))
        self._in_order &= first > self.latest_sample_s
        self.latest_sample_s = max(self.latest_sample_s, last)
        self.latest_arrival_s = arrival_s

    def rows_unaffected_by_arrival_times(self, packets: TimedPackets, reorder_wait_s: float,
                                         bounds: tuple[np.ndarray, np.ndarray]) -> bool:
        """Whether adding ``packets`` at once leaves the rows they complete as adding each at its
        arrival would: so it does unless one comes late (before a sample already held) other
        than into a hole still held for it, whose rows no advance can have fixed meanwhile.
        The holes are followed as ``add`` follows them, without changing anything here.
        ``bounds``: the packets' ``starts_and_before``."""
        if _in_time_order(bounds):
            return True
        latest_s, holes = self.latest_sample_s, list(self._holes)
        lasts = packets.t[np.append(packets.starts[1:], len(packets.t)) - 1]
        for first, last, follows_loss, arrival_s in zip(bounds[0].tolist(), lasts.tolist(),
                                                        packets.follows_loss.tolist(), packets.arrival_s.tolist(), strict=True):
            if first <= latest_s and not any(
                start < first < end and arrival_s - seen_s <= reorder_wait_s for start, end, seen_s in holes
            ):
                return False
            holes = _unfilled(holes, first, last)
            if self._opens_hole(first, latest_s, follows_loss):
                holes.append((latest_s, first, arrival_s))
            latest_s = max(latest_s, last)
        return True

    def starts_and_before(self, packets: TimedPackets) -> tuple[np.ndarray, np.ndarray]:
        """Each packet's first sample time, and the latest sample time before it were they
        added in turn and in time order."""
        before = np.empty(packets.n_packets)
        before[0] = self.latest_sample_s
        before[1:] = packets.t[packets.starts[1:] - 1]
        return packets.t[packets.starts], before

    def add_all(self, packets: TimedPackets, bounds: tuple[np.ndarray, np.ndarray]) -> None:
        """``add`` for each of ``packets`` in turn, in one copy when they come in time order
        (``bounds``: their ``starts_and_before``)."""
        arrivals_s = packets.arrival_s.tolist()
        if not _in_time_order(bounds):
            for index, arrival_s in enumerate(arrivals_s):
                self.add(packets.packet(index), arrival_s)
            return
        firsts, before = bounds
        holes = np.isfinite(before) & (firsts > before + MAX_GAP_PERIODS * self._period_s) & packets.follows_loss
        self._holes += [(float(before[i]), float(firsts[i]), arrivals_s[i]) for i in holes.nonzero()[0].tolist()]
        self._copy_in(packets.t, packets.acc, packets.gyr)
        self.latest_sample_s = float(packets.t[-1])
        self.latest_arrival_s = arrivals_s[-1]

    def _opens_hole(self, first: float, latest_s: float, follows_loss: bool) -> bool:
        """Whether a packet from ``first`` on, after samples up to ``latest_s``, leaves a hole
        that packets lost before it may still fill, if BLE delivers them late."""
        return follows_loss and math.isfinite(latest_s) and first > latest_s + MAX_GAP_PERIODS * self._period_s

    def _copy_in(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> None:
        n = len(t)
        if self._end + n > len(self._t):  # full: move the samples held to the front, grow if need be
            held = self._end - self._start
            size = max(len(self._t), 2 * (held + n))
            times, values = np.empty(size), np.empty((size, 6))
            times[:held], values[:held] = self._t[self._start : self._end], self._values[self._start : self._end]
            self._t, self._values, self._start, self._end = times, values, 0, held
        self._t[self._end : self._end + n] = t
        self._values[self._end : self._end + n, :3] = acc
        self._values[self._end : self._end + n, 3:] = gyr
        self._end += n

    def ready_until(self, now_s: float, reorder_wait_s: float) -> float:
        """Host time up to which this sensor's rows are final."""
        if not self._holes:
            return self.latest_sample_s
        self._holes = [hole for hole in self._holes if now_s - hole[2] <= reorder_wait_s]
        return min([self.latest_sample_s, *(hole[0] for hole in self._holes)])

    def fix_until(self, last_row: int, rate_hz: float) -> tuple[np.ndarray, np.ndarray] | None:
        """Fix the rows up to ``last_row`` from the samples: (times (n,) s, rows (n, 6)), or
        None when they are fixed already."""
        if last_row < self.next_row:
            return None
        grid = np.arange(self.next_row, last_row + 1) / rate_hz
        if not self._in_order:
            self._sort()
        t, values = self._t[self._start : self._end], self._values[self._start : self._end]
        rows = interpolate_in_order(t, values, grid, MAX_GAP_PERIODS * self._period_s)
        # keep the last sample at or before the last row: the next row is interpolated from it
        self._start += max(0, int(t.searchsorted(grid[-1], side="right")) - 1)
        self.fixed.append(rows)
        self.next_row = last_row + 1
        return grid, rows

    def _sort(self) -> None:
        """Put the samples held in time order, a repeated time keeping its first sample."""
        t, values = in_time_order(self._t[self._start : self._end], self._values[self._start : self._end])
        held = len(t)
        self._t[:held], self._values[:held] = t, values
        self._start, self._end, self._in_order = 0, held, True

    def take_fixed(self, count: int) -> np.ndarray:
        """The first ``count`` fixed rows, forgotten here."""
        fixed = self.fixed[0] if len(self.fixed) == 1 else np.vstack(self.fixed)
        self.fixed = [fixed[count:]] if count < len(fixed) else []
        return fixed[:count]


def _unfilled(holes: list[tuple[float, float, float]], first: float, last: float) -> list[tuple[float, float, float]]:
    """``holes`` but those a late packet from ``first`` to ``last`` falls into: it fills them
    (if more were missing there, they stay missing)."""
    return [hole for hole in holes if not hole[0] < first < hole[1] and not hole[0] < last < hole[1]]


def _in_time_order(bounds: tuple[np.ndarray, np.ndarray]) -> bool:
    """Whether each packet starts after the samples before it (``bounds``: ``starts_and_before``)."""
    firsts, before = bounds
    return bool((firsts > before).all())


class LiveGrid:
    """Grid rows k / rate_hz for ``sensors``, fixed per sensor and released as they become
    complete.

    ``add(name, samples, arrival_s)`` takes a packet's timed samples; ``on_connection(name,
    up, now_s)`` the transport's report that a sensor's link went down or came back;
    ``advance(now_s)`` returns the :class:`GridRelease` of that moment; ``flush()`` releases
    every row the samples cover, at the end of a session.
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

    def add_at_once(self, packets: dict[str, TimedPackets], now_s: float) -> bool:
        """Take a stretch of packets at once (per sensor, a block of them; the last arrival of
        all at ``now_s``) if ``advance(now_s)`` then releases exactly what adding each packet
        and advancing at its arrival would have, and say whether it did. So it does when every
        sensor talks all along (none silent for longer than ``max_wait_s``, none reported down:
        the give-ups depend on when packets arrived) and no packet's rows depend on when it
        arrived (``_SensorRows.rows_unaffected_by_arrival_times``)."""
        bounds = {}
        for name, sensor in self._sensors.items():
            sensor_packets = packets.get(name)
            if sensor.link_down or not self._talks_until(sensor, sensor_packets, now_s):
                return False
            if sensor_packets is not None:
                bounds[name] = sensor.starts_and_before(sensor_packets)
                if not sensor.rows_unaffected_by_arrival_times(sensor_packets, self.reorder_wait_s, bounds[name]):
                    return False
        for name, sensor_bounds in bounds.items():
            self._sensors[name].add_all(packets[name], sensor_bounds)
        return True

    def _talks_until(self, sensor: _SensorRows, packets: TimedPackets | None, now_s: float) -> bool:
        """Whether ``sensor``, sending ``packets`` (or nothing), is never silent for longer than
        ``max_wait_s`` from its last arrival so far until ``now_s``."""
        if packets is None:
            return now_s - sensor.latest_arrival_s <= self.max_wait_s
        arrivals_s = packets.arrival_s
        return bool(arrivals_s[0] - sensor.latest_arrival_s <= self.max_wait_s
                    and now_s - arrivals_s[-1] <= self.max_wait_s
                    and (arrivals_s[1:] - arrivals_s[:-1] <= self.max_wait_s).all())

    def on_connection(self, name: str, up: bool, now_s: float) -> None:
        """``name``'s link went down (it holds no row from now on) or came back (it holds rows
        again, as if it had just sent: its data follow the report within ``max_wait_s``; a
        sensor that has never sent, on its first connection, holds none until it does)."""
        sensor = self._sensors[name]
        sensor.link_down = not up
        if up and math.isfinite(sensor.latest_sample_s):
            sensor.latest_arrival_s = max(sensor.latest_arrival_s, now_s)

    def advance(self, now_s: float) -> GridRelease:
        talking = {name: sensor for name, sensor in self._sensors.items()
                   if not sensor.link_down and now_s - sensor.latest_arrival_s <= self.max_wait_s}
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
