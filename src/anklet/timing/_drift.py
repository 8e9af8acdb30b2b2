"""A sensor clock's drift over the whole clock epoch, shown only when the arrivals resolve it.

The clock sync's 300 s window is right for timing samples but too short for the drift figure
itself. BLE delivers a packet at the first connection event after it was sent, so when the
packet period and the connection interval are commensurate (20 ms packets, 15 ms events) the
least delay a packet sees is the phase of the event grid: it sweeps a sawtooth of one
*aliasing step* (here 5 ms) at the drift rate. The bin minima of the arrival offset are then a
staircase: flat for ``step / |drift|`` seconds (333 s at 15 ppm), then a jump of one step.
A flat stretch says nothing about the slope, so over a baseline shorter than a few steps'
worth of drift the envelope reads 0 ppm, or a wrong slope through a single jump.

``DriftTracker`` takes each closed bin's minimum for the whole epoch (bounded: when its
``capacity`` is full, neighbouring points are merged into one, the lower), and reads:

- **resolved**: the lower-envelope slope over the whole baseline, when the slopes over its two
  halves agree with it (``agree_ppm``, 2 % above 50 ppm) and it is at least ``2 · W / T`` (the
  staircase wrapped twice over the baseline T, W being the larger of ``alias_step_s`` and the
  observed spread of the minima about the line, plus ``jitter_margin_s``); then the envelope runs through the
  staircase's corners and is exact to a fraction of a ppm;
- **below a bound**: otherwise. Every slope that keeps all minima within a band W of some
  line lies in (-B, +B), the true one too: ``|drift| < B``, whatever the staircase's phase;
- **unknown**: before ``min_baseline_s``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anklet.timing._envelope import envelope_fit, envelope_slope


@dataclass(frozen=True)
class DriftParams:
    """Tunables of the long-baseline drift figure, units in their names.

    Attributes:
        min_baseline_s: no figure before the epoch's minima span this long, s.
        alias_step_s: the largest phase step of the connection-event grid the arrivals may
            hide, s: the gcd of the packet period and the connection interval (PROTOCOL.md:
            15 ms; packets every 20 ms at 100-500 Hz, 19 ms at 1 kHz: 5 ms at most). A larger
            spread of the minima about the envelope, once seen, replaces it.
        jitter_margin_s: added to the step for the least delay's own jitter, s.
        agree_ppm, agree_fraction: the slopes over the whole baseline and over each half must
            agree within the larger of ``agree_ppm`` and this fraction of the slope for the
            figure to be shown.
        capacity: bin minima kept per epoch; when full, neighbours are merged pairwise (the
            lower one stays), so a long epoch is kept at coarser bins in bounded memory.
        read_every_bins: the reading is redone every this many closed bins (it costs 0.5 ms
            at full capacity; a figure that takes minutes to resolve loses nothing by waiting
            10 s).
        max_drift_ppm: slopes are confined to ±this, ppm.
    """

    min_baseline_s: float = 120.0
    alias_step_s: float = 0.005
    jitter_margin_s: float = 0.0005
    agree_ppm: float = 1.0
    agree_fraction: float = 0.02
    capacity: int = 256
    read_every_bins: int = 5
    max_drift_ppm: float = 300.0


@dataclass(frozen=True, slots=True)
class DriftReading:
    """What the arrivals say about one sensor clock's rate error.

    The sign is the user's: positive when the sensor clock runs fast (more sensor seconds per
    host second). At most one of ``ppm`` and ``below_ppm`` is set; neither while unknown.

    Attributes:
        ppm: the drift, ppm, when resolved; else None.
        below_ppm: when not resolved: the drift is within ±this, ppm; else None.
        baseline_s: sensor time the figure is drawn from, s.
    """

    ppm: float | None
    below_ppm: float | None
    baseline_s: float


UNKNOWN = DriftReading(None, None, 0.0)


class DriftTracker:
    """The drift of one clock epoch from its closed bins' arrival minima, in bounded memory.

    Parameters
    ----------
    params
        Tunables, see ``DriftParams``.
    """

    def __init__(self, params: DriftParams | None = None) -> None:
        self.params = params if params is not None else DriftParams()
        capacity = self.params.capacity
        self._x = np.empty(capacity)
        self._d = np.empty(capacity)
        self._bin = np.empty(capacity, dtype=np.int64)
        self._n = 0
        self._merge = 1  # input bins per stored point
        self._reading = UNKNOWN
        self._added = 0

    def add(self, bin_id: int, x_s: float, d_s: float) -> None:
        """Take one closed bin's least-delayed point: sensor time ``x_s``, arrival offset ``d_s``.

        Bins come in increasing ``bin_id``. Storing is O(1) amortised; the reading is redone
        every ``read_every_bins`` bins.
        """
        coarse = bin_id // self._merge
        n = self._n
        if n and self._bin[n - 1] == coarse:
            if d_s < self._d[n - 1]:
                self._x[n - 1], self._d[n - 1] = x_s, d_s
        else:
            if n == len(self._x):
                self._halve()
                coarse, n = bin_id // self._merge, self._n
            self._bin[n], self._x[n], self._d[n] = coarse, x_s, d_s
            self._n = n + 1
        self._added += 1
        if self._added % self.params.read_every_bins:
            return
        reading = read_drift(self._x[: self._n], self._d[: self._n], self.params)
        if reading.ppm is not None or self._reading.ppm is None:
            self._reading = reading

    def reading(self) -> DriftReading:
        """The drift as far as the arrivals resolve it.

        Once resolved, a figure stands until a later one replaces it: a longer baseline that
        happens not to pass the tests does not make it less true, and the panel does not flicker.
        """
        return self._reading

    def _halve(self) -> None:
        """Merge neighbouring points pairwise, keeping the lower of each pair."""
        self._merge *= 2
        n = self._n
        coarse = self._bin[:n] // 2
        keep = np.ones(n, dtype=bool)
        same = coarse[1:] == coarse[:-1]
        lower_second = self._d[1:n] < self._d[: n - 1]
        keep[:-1] &= ~(same & lower_second)
        keep[1:] &= ~(same & ~lower_second)
        m = int(keep.sum())
        self._x[:m], self._d[:m], self._bin[:m] = self._x[:n][keep], self._d[:n][keep], coarse[keep]
        self._n = m


def read_drift(x: np.ndarray, d: np.ndarray, p: DriftParams) -> DriftReading:
    """The drift reading of arrival minima ``d`` (s) at sensor times ``x`` (s), both (n,)."""
    if len(x) < 3:
        return UNKNOWN
    span_s = float(x[-1] - x[0])
    if span_s < p.min_baseline_s:
        return DriftReading(None, None, span_s)
    limit = p.max_drift_ppm * 1e-6
    slope = envelope_slope(x, d, -limit, limit)
    offset, _ = envelope_fit(x, d, slope, slope)
    upper = _window_minima(d)
    spread_s = float(np.max(d[upper] - offset - slope * x[upper]))
    band_s = max(p.alias_step_s, spread_s) + p.jitter_margin_s
    first = x <= x[0] + span_s / 2
    halves = (envelope_slope(x[first], d[first], -limit, limit), envelope_slope(x[~first], d[~first], -limit, limit))
    agree = all(abs(half - slope) * 1e6 <= max(p.agree_ppm, p.agree_fraction * abs(slope) * 1e6) for half in halves)
    if agree and abs(slope) >= 2.0 * band_s / span_s:
        return DriftReading(-slope * 1e6, None, span_s)
    low, high = band_slopes(x, d, upper, band_s, limit)
    return DriftReading(None, max(abs(low), abs(high)) * 1e6, span_s)


def band_slopes(
    x: np.ndarray, d: np.ndarray, upper: np.ndarray, band_s: float, limit: float
) -> tuple[float, float]:
    """The slopes b for which some line a + b·x lies under every point and within ``band_s``
    under the points ``upper`` (indices): returns (low, high), within ±``limit``.

    Delays are one-sided, so a point may sit high (a host stall over a whole bin) but never
    below the clock line: every point bounds the line from above, only ``upper`` from below.
    Each (upper k, any i) pair bounds b: d_i - b x_i >= u_k - band_s - b x_k.
    """
    dx = x[upper][:, None] - x[None, :]
    dd = d[upper][:, None] - band_s - d[None, :]
    after, before = dx > 0, dx < 0
    low = float(np.max(dd[after] / dx[after])) if after.any() else -limit
    high = float(np.min(dd[before] / dx[before])) if before.any() else limit
    return max(low, -limit), min(high, limit)


def _window_minima(d: np.ndarray) -> np.ndarray:
    """Indices of the points that are the least of some three neighbours: an isolated high
    point (one bin of a stalled host) is none."""
    if len(d) < 3:
        return np.arange(len(d))
    windows = np.stack((d[:-2], d[1:-1], d[2:]))
    return np.unique(np.argmin(windows, axis=0) + np.arange(len(d) - 2))
