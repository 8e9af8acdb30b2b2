"""Orientation of one sensor with VQF (Laidig & Seel 2023), 6-axis: no magnetometer, because
treadmill motors and gym steel disturb the magnetic field. Inclination is drift-free; heading
drifts slowly and is put right later by the ankle's hinge constraint."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from vqf import VQF


@dataclass(frozen=True, slots=True)
class OrientationParams:
    """How a sensor's orientation copes with lost samples.

    ``max_bridged_gap_s``: a gap up to this long is bridged (see ``_bridge``): filled with
    the samples one movement period earlier when the movement repeats, else interpolated.
    A longer gap (a lost connection) restarts the filter, whose heading is then unrelated to
    the old one and whose inclination starts from the mean specific force since the restart.
    So does a gap with no repeating movement to copy when a straight line over it would
    have been more than ``max_line_error_deg`` of rotation off on the recent samples (the
    first strides of a run): a wrong inclination for seconds is worse than none.
    ``settle_s``: after a restart the orientation is withheld (NaN) this long, s, until that
    mean has come close to gravity. ``history_s``: recent samples kept to find the period, s.
    ``tau_acc_s``: VQF's accelerometer time constant, s: how fast the inclination is pulled
    towards gravity, which also sets how fast an error left by a gap fades.
    """

    max_bridged_gap_s: float = 2.0
    max_line_error_deg: float = 5.0
    settle_s: float = 5.0
    history_s: float = 4.0
    tau_acc_s: float = 1.5


@dataclass(frozen=True, slots=True)
class OrientationChunk:
    """``quat``: (n, 4) [w, x, y, z], sensor -> earth (Z up, arbitrary heading), NaN where a
    sample was missing or the filter was settling. ``restarts``: indices of the rows where the
    filter restarted with a new, unrelated heading."""

    quat: np.ndarray
    restarts: np.ndarray


class SensorOrientation:
    """Streaming 6D orientation of one sensor.

    Parameters
    ----------
    rate_hz
        Sample rate of the gyroscope and accelerometer, Hz.
    gyr_bias_rads
        Initial gyroscope bias (3,), rad/s, e.g. from quiet standing; VQF keeps it up to date
        with its rest and motion bias estimation, across restarts too.
    params
        Gap handling.
    flexion_axis, partner_weight
        When the sensor sits on one side of a hinge (the ankle): the hinge axis in this
        sensor's frame (unit), and how much of the other side's unexpected flexion rate a gap's
        stand-in takes on (see ``_borrow_from_partner``).

    ``update`` takes (n, 3) gyr (rad/s) and acc (m/s²) in the sensor frame, NaN rows for
    missing samples, and optionally the partner sensor's flexion rate on the same rows ((n,)
    rad/s, NaN where it is missing too); it returns an ``OrientationChunk``. A gap still open at the end of a
    chunk is bridged (or not) once the next sample arrives, so cutting a stream into chunks
    anywhere gives the same orientations as one call on the whole stream.
    """

    def __init__(
        self,
        rate_hz: float,
        gyr_bias_rads: np.ndarray | None = None,
        params: OrientationParams | None = None,
        flexion_axis: np.ndarray | None = None,
        partner_weight: float = 1.0,
    ) -> None:
        self.rate_hz = rate_hz
        self.params = params or OrientationParams()
        self.flexion_axis = None if flexion_axis is None else np.asarray(flexion_axis, float)
        self.partner_weight = partner_weight
        self._filter = VQF(1.0 / rate_hz, tauAcc=self.params.tau_acc_s)
        self._filter.setBiasEstimate(np.zeros(3) if gyr_bias_rads is None else np.asarray(gyr_bias_rads, float), -1.0)
        self._history = _RecentRows(round(self.params.history_s * rate_hz))  # the samples fed most recently
        self._open_gap = 0  # missing rows at the end of the stream so far, not yet fed to the filter
        self._open_gap_partner = np.empty(0)  # the partner's flexion rates over those rows
        self._rows_seen = 0  # rows of all earlier chunks
        self._settling = (0, 0)  # rows [from, to) of the whole stream withheld after the last restart

    def update(self, gyr: np.ndarray, acc: np.ndarray, partner_flexion_rate: np.ndarray | None = None) -> OrientationChunk:
        n = len(gyr)
        partner = np.full(n, np.nan) if partner_flexion_rate is None else np.asarray(partner_flexion_rate, float)
        samples = np.hstack([gyr, acc, partner[:, None]])
        present = ~np.isnan(samples[:, :6]).any(axis=1)
        if n and self._open_gap == 0 and self._rows_seen >= self._settling[1] and present.all():
            self._rows_seen += n  # the usual live chunk: no gap to bridge, nothing withheld
            return OrientationChunk(self._feed(samples), _NO_RESTARTS)
        partner_before = np.concatenate([self._open_gap_partner, partner])
        offset = len(self._open_gap_partner)
        quat = np.full((n, 4), np.nan)
        restarts = []
        withheld = [self._settling]
        for start, stop, gap_before in _runs_of_samples(present, self._open_gap):
            if len(self._history) and gap_before > 0:
                row = self._rows_seen + start
                gap_partner = partner_before[offset + start - gap_before : offset + start]
                bridge = self._bridge_for(samples[start], gap_before, gap_partner, settling=row < self._settling[1])
                if bridge is None:
                    self._restart()
                    restarts.append(start)
                    self._settling = (row, row + round(self.params.settle_s * self.rate_hz))
                    withheld.append(self._settling)
                else:
                    self._feed(bridge)
            quat[start:stop] = self._feed(samples[start:stop])
        self._open_gap = self._open_gap + n if not present.any() else n - 1 - int(np.flatnonzero(present)[-1])
        self._open_gap_partner = partner_before[len(partner_before) - self._open_gap :] if self._open_gap else np.empty(0)
        for first, end in withheld:
            quat[max(0, first - self._rows_seen) : max(0, end - self._rows_seen)] = np.nan
        self._rows_seen += n
        return OrientationChunk(quat, np.asarray(restarts, dtype=int))

    def _bridge_for(self, after: np.ndarray, count: int, gap_partner: np.ndarray, *, settling: bool) -> np.ndarray | None:
        """Rows to feed for a gap of ``count`` rows, or None to restart instead. While the
        filter still settles after a restart its output is withheld anyway, so a line will do
        there: restarting again would only put the end of the settling further off."""
        if count > round(self.params.max_bridged_gap_s * self.rate_hz):
            return None
        max_line_error_deg = math.inf if settling else self.params.max_line_error_deg
        bridge = _bridge(self._history.rows(), after, count, self.rate_hz, max_line_error_deg)
        if bridge is not None:
            self._borrow_from_partner(bridge, gap_partner)
        return bridge

    def _borrow_from_partner(self, bridge: np.ndarray, gap_partner: np.ndarray) -> None:
        """Add to the bridge's rate about the flexion axis what the partner, present during the
        gap, turned about it beyond its own stand-in rows (column 6), when the leg swings fast.

        Across a hinge the two flexion rates differ by the joint's rate only, so in a stride's
        swing the partner's surprise is most of what this sensor's copy missed
        (``partner_weight``). In slow movement (squats, the split squat) a copy misses little,
        and the surprise is mostly the error of the flexion axes: there, and without the
        partner's rates, the bridge is left as it is. The leg swings fast when either the
        partner now or the copied movement does. The partner's own lost rows, now or in the
        copied stride, are interpolated when they are few (``_PARTNER_LOSS_S``): over more, the
        surprise would be a guess."""
        most = round(_PARTNER_LOSS_S * self.rate_hz)
        now, copied = _interpolated(gap_partner, most), _interpolated(bridge[:, 6], most)
        bridge[:, 6] = gap_partner
        if self.flexion_axis is None or now is None or copied is None:
            return
        if max(np.abs(now).max(), np.abs(copied).max()) <= _FAST_RADS:
            return
        bridge[:, :3] += self.partner_weight * (now - copied)[:, None] * self.flexion_axis

    def _feed(self, samples: np.ndarray) -> np.ndarray:
        self._history.add(samples)
        return self._filter.updateBatch(
            np.ascontiguousarray(samples[:, :3]), np.ascontiguousarray(samples[:, 3:6])
        )["quat6D"]

    def _restart(self) -> None:
        bias, sigma = self._filter.getBiasEstimate()
        self._history.clear()  # the movement before a lost connection says little about after
        self._filter.resetState()
        self._filter.setBiasEstimate(bias, sigma)


class _RecentRows:
    """The last ``size`` rows added, kept in a buffer twice that size so that adding a few
    rows per live step copies only those rows (and, once per ``size`` rows, the kept ones)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._buffer: np.ndarray | None = None
        self._end = 0
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, rows: np.ndarray) -> None:
        rows = rows[-self.size :]
        if self._buffer is None:
            self._buffer = np.empty((2 * self.size, rows.shape[1]))
        if self._end + len(rows) > len(self._buffer):  # full: move what stays kept to the front
            keep = min(self._count, self.size - len(rows))
            self._buffer[:keep] = self._buffer[self._end - keep : self._end]
            self._end = keep
        self._buffer[self._end : self._end + len(rows)] = rows
        self._end += len(rows)
        self._count = min(self.size, self._count + len(rows))

    def rows(self) -> np.ndarray:
        """The kept rows, oldest first (a view: valid until the next ``add``)."""
        assert self._buffer is not None
        return self._buffer[self._end - self._count : self._end]

    def clear(self) -> None:
        self._count = 0


def _interpolated(values: np.ndarray, most: int) -> np.ndarray | None:
    """A copy of ``values`` (n,) with NaN rows interpolated from the others (held at the ends);
    None when more than ``most`` or all are NaN."""
    known = ~np.isnan(values)
    if known.all():
        return values.copy()
    if not known.any() or len(values) - known.sum() > most:
        return None
    rows = np.arange(len(values))
    return np.interp(rows, rows[known], values[known])


_NO_RESTARTS = np.empty(0, dtype=int)


def _runs_of_samples(present: np.ndarray, open_gap: int) -> list[tuple[int, int, int]]:
    """(start, stop, missing rows before start) for each run of present rows; the first run's
    gap includes ``open_gap`` rows left open by the previous chunk."""
    edges = np.diff(np.concatenate(([False], present, [False])).astype(np.int8))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    gaps = starts - np.concatenate(([-open_gap], stops[:-1]))
    return list(zip(starts.tolist(), stops.tolist(), gaps.tolist(), strict=True))


_PERIOD_RANGE_S = (0.3, 2.0)  # strides of running and walking; squats are slow enough for a line
_MIN_PERIODICITY = 0.5  # normalised autocorrelation at the period
_LAG_SEARCH = 0.15  # stride-to-stride variation searched around the period
_MATCH_WINDOW_S = 0.1  # samples before a gap matched against the same phase a period earlier
_FADE_S = 0.02  # how fast the copied stride blends into the samples either side of a gap
_MAX_COPY_MISMATCH = 0.5  # of the gyroscope's spread over a period: a worse copy is not the same movement
_LINE_CHECK_S = 0.5  # recent movement on which a line over a gap is tried out
# The recent movement can understate what a gap hides as a run starts: over this long a gap,
# movement this fast before or just after it (a stride's swing, not a squat's 1-2 rad/s) is
# never joined by a line.
_FAST_GAP_S, _FAST_RADS = 0.1, 4.0
_PARTNER_LOSS_S = 0.025  # one lost packet at 200 Hz: a partner's loss a gap's bridge can interpolate over


def _bridge(
    history: np.ndarray, after: np.ndarray, count: int, rate_hz: float, max_line_error_deg: float
) -> np.ndarray | None:
    """``count`` rows to stand in for missing samples between ``history`` (the samples fed so
    far, last one just before the gap) and ``after`` (the first sample after it), or None
    when there is no period and a line would not do.

    Running and squatting repeat themselves. When the recent gyroscope has a clear period,
    the gap is filled with the samples one period earlier: the exact lag (strides vary by a
    few per cent) is the one whose earlier samples best match the last tenth of a second
    before the gap and the sample after it, and the copy is shifted to meet both ends. On the
    simulator's running gaps of 50-300 ms it leaves 3-30 times less inclination error than a
    straight line (tests/fusion/test_gap_bridging.py). Without a clear period the ends are
    joined by a line.
    """
    before = history[-1]
    ramp = np.arange(1, count + 1)[:, None] / (count + 1)
    lag = _copy_lag(history, after, count, rate_hz)
    if lag is None:
        recent = history[-round(_LINE_CHECK_S * rate_hz) - count - 1 :, :3]
        fast = count > _FAST_GAP_S * rate_hz and np.linalg.norm(np.vstack([recent, after[:3]]), axis=1).max() > _FAST_RADS
        if (math.inf if fast else _line_error_deg(recent, count, rate_hz)) > max_line_error_deg:
            return None
        return before + ramp * (after - before)
    rows = len(history) + np.arange(count + 1)  # the gap's rows, then ``after``'s
    earlier = history[rows - lag * -(-(rows - len(history) + 1) // lag)]  # ceil division
    # The copy meets each end by an offset that fades within ``_FADE_S``: spread over the
    # whole gap, an offset taken on a steep part of the stride (foot strike) would integrate
    # into tens of degrees of rotation.
    fade = max(1, round(_FADE_S * rate_hz))
    row = np.arange(count)[:, None]
    start_weight = np.clip(1.0 - (row + 1) / (fade + 1), 0.0, 1.0)
    end_weight = np.clip(1.0 - (count - row) / (fade + 1), 0.0, 1.0)
    # (the partner's column is NaN where it was lost; its copy then meets that end unshifted)
    start_offset = np.nan_to_num(before - history[-1 - lag])
    end_offset = np.nan_to_num(after - earlier[-1])
    return earlier[:-1] + start_weight * start_offset + end_weight * end_offset


def _line_error_deg(gyr: np.ndarray, count: int, rate_hz: float) -> float:
    """How far, in degrees of rotation, a straight line over ``count`` missing rows would have
    been off on the recent gyroscope: the largest |rotation integrated - rotation of the line
    between its ends| over every stretch of that length in ``gyr``."""
    if len(gyr) < count + 2:
        return 0.0 if not len(gyr) else math.inf
    summed = np.vstack([np.zeros(3), np.cumsum(gyr, axis=0)])
    starts = np.arange(len(gyr) - count - 1)
    inside = summed[starts + count + 1] - summed[starts + 1]
    line = count * (gyr[starts] + gyr[starts + count + 1]) / 2.0
    error = np.degrees(np.linalg.norm(inside - line, axis=1) / rate_hz)
    return float(error.max())


def _copy_lag(history: np.ndarray, after: np.ndarray, count: int, rate_hz: float) -> int | None:
    """The lag of the earlier samples to copy into a gap, or None when the movement has no
    clear period or the best copy does not match the samples just before the gap."""
    period = _period_rows(history, rate_hz)
    if period is None:
        return None
    window = round(_MATCH_WINDOW_S * rate_hz)
    lag, mismatch = _best_lag(history, after, count, period, window)
    stride = history[-period:, :3]
    spread = window * ((stride - stride.mean(axis=0)) ** 2).sum(axis=1).mean()
    return lag if mismatch <= _MAX_COPY_MISMATCH * spread else None


def _best_lag(history: np.ndarray, after: np.ndarray, count: int, period: int, window: int) -> tuple[int, float]:
    """The lag near ``period`` whose earlier gyroscope samples best match the ``window`` rows
    before the gap and the gyroscope sample after it, and the squared mismatch of those rows."""
    size = len(history)
    lags = np.arange(round(period * (1 - _LAG_SEARCH)), round(period * (1 + _LAG_SEARCH)) + 1)
    lags = lags[(lags + window < size) & (lags > 0)]
    before_rows = (size - window - lags)[:, None] + np.arange(window)
    mismatch_before = ((history[before_rows, :3] - history[-window:, :3]) ** 2).sum(axis=(1, 2))
    after_source = size + count - lags * -(-(count + 1) // lags)
    mismatch_after = ((history[after_source, :3] - after[:3]) ** 2).sum(axis=1)
    best = int(np.argmin(mismatch_before + mismatch_after))
    return int(lags[best]), float(mismatch_before[best])


def _period_rows(history: np.ndarray, rate_hz: float) -> int | None:
    """The dominant repetition period of the recent gyroscope, in rows, or None."""
    speed = np.linalg.norm(history[:, :3], axis=1)
    speed = speed - speed.mean()
    lags = np.arange(round(_PERIOD_RANGE_S[0] * rate_hz), round(_PERIOD_RANGE_S[1] * rate_hz))
    if len(speed) < 2 * lags[-1]:
        return None
    spectrum = np.fft.rfft(speed, 2 * len(speed))
    autocorrelation = np.fft.irfft(spectrum * np.conj(spectrum))[: len(speed)]
    if autocorrelation[0] <= 0:
        return None
    normalised = autocorrelation[lags] / autocorrelation[0] * len(speed) / (len(speed) - lags)
    best = int(np.argmax(normalised))
    return int(lags[best]) if normalised[best] > _MIN_PERIODICITY else None


def quaternion_to_matrix(q: np.ndarray) -> np.ndarray:
    """(n, 4) [w, x, y, z] unit quaternions (VQF's order) -> (n, 3, 3) rotation matrices;
    NaN rows stay NaN. (Written out: on the live path's small chunks scipy's Rotation costs
    more in setup than in arithmetic.)"""
    w, x, y, z = q.T
    return np.stack(
        [
            1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
            2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
            2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
        ],
        axis=-1,
    ).reshape(-1, 3, 3)
