"""Live clock sync: one sensor's microsecond tick mapped to host time, packet batch by batch."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from anklet.timing._arrivals import PacketArrivals, SyncedPackets
from anklet.timing._drift import UNKNOWN, DriftParams, DriftReading, DriftTracker
from anklet.timing._envelope import bin_minima, envelope_fit, envelope_slope

_WRAP_US = 2**32
"""The sensor tick is a uint32 of µs: it wraps every 4294.97 s (71.6 min)."""


@dataclass(frozen=True)
class ClockSyncParams:
    """Tunables of the clock sync (live and offline), with units in their names.

    Attributes:
        bin_s: the arrival floor is sampled as the least-delayed packet per bin of sensor time, s.
        window_s: bins used by one fit (live: the latest ones; offline: centred), s.
        drift_span_s: the fitted slope is shrunk towards the prior drift (0 ppm at first) with
            weight span² / (span² + drift_span_s²), span being the baseline of the bins in the
            fit, s: short baselines give noisy slopes. After a sensor reboot the prior is the
            previous epoch's drift, and its baseline (capped at ``window_s``) replaces
            ``drift_span_s`` when longer.
        max_drift_ppm: the fitted drift is confined to ±this, ppm (crystals: ±50, cheap ±100).
        reset_tolerance_s: a packet whose tick is ahead of the host-time prediction by more
            than this (and no 32-bit wrap explains it) starts a new clock epoch, s.
        max_delay_s: a packet whose tick is behind the prediction is taken as delayed (a host
            or radio stall) up to this long, and only beyond it as a sensor restart, s.
        flush_deadline_s: firmware flush deadline (PROTOCOL.md: a packet closes when it holds
            19 samples or its oldest sample is this old), s. A packet of fewer than 19 samples
            was sent at first sample + this, which is the reference its arrival is compared to.
        latency_s: fixed transport latency known from elsewhere, subtracted from the floor, s
            (the floor itself cannot reveal it; 0 puts samples at the earliest possible time).
        drift: the long-baseline drift figure's tunables (``drift_reading``), see ``DriftParams``.
    """

    bin_s: float = 2.0
    window_s: float = 300.0
    drift_span_s: float = 10.0
    max_drift_ppm: float = 300.0
    reset_tolerance_s: float = 1.0
    max_delay_s: float = 30.0
    flush_deadline_s: float = 0.02
    latency_s: float = 0.0
    drift: DriftParams = DriftParams()

    @property
    def n_window_bins(self) -> int:
        """Bins in one window."""
        return max(2, round(self.window_s / self.bin_s))


@dataclass
class _Epoch:
    """One continuous run of the sensor clock: its line and its bins of arrival minima.

    The line is ``host_arrival_floor = offset_s + (1 + drift) * x`` with ``x`` the epoch's
    unwrapped tick in s. The bins are a ring of ``n_window_bins + 1`` slots, keyed by bin id;
    each bin's minimum goes to ``long_baseline`` when the bin closes.
    """

    index: int
    start_key: tuple[int, int]
    prior_drift: float
    prior_span_s: float
    offset_s: float = 0.0
    drift: float = 0.0
    residual_s: float = math.nan
    newest_bin: int = -1
    bin_id: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    bin_x: np.ndarray = field(default_factory=lambda: np.empty(0))
    bin_d: np.ndarray = field(default_factory=lambda: np.empty(0))
    long_baseline: DriftTracker = field(default_factory=DriftTracker)


@dataclass
class _ClockState:
    """Filter memory: the current epoch, the one before (for late packets), the epoch count."""

    current: _Epoch | None = None
    previous: _Epoch | None = None
    n_epochs: int = 0


class ClockSync:
    """Map one sensor's tick to host time, live, robust to BLE delays, loss and reboots.

    The host arrival of a packet is never earlier than its last sample, and BLE only adds
    delay (connection events, queueing, scheduling stalls). So the sensor clock is fitted as
    the lower envelope of arrivals: the least-delayed packet of each ``bin_s`` of sensor time,
    over the last ``window_s`` of closed bins (the open bin joins only while warming up), and the line under those minima that hugs them most closely
    (see ``anklet.timing._envelope``). The 32-bit tick is unwrapped by predicting it from the
    arrival time with the current line. A packet flagged ``clock_reset`` (or whose tick no wrap
    can explain) starts a new clock epoch: new offset, drift kept.

    Parameters
    ----------
    params
        Tunables, see ``ClockSyncParams``.

    Attributes
    ----------
    offset_s_ : float
        Host time at which the current epoch's unwrapped tick was 0, s (latency removed).
    drift_ppm_ : float
        Sensor clock rate error: host seconds per sensor second is 1 + drift_ppm_ * 1e-6.
    residual_s_ : float
        RMS of the bin minima above the fitted line, s (NaN before the first packet).
    epoch_ : int
        Index of the current clock epoch (0 until the first reboot).
    n_fit_bins_ : int
        Bin minima in the current fit.
    """

    def __init__(self, params: ClockSyncParams | None = None) -> None:
        self.params = params
        self._state: _ClockState | None = None

    def reset(self) -> ClockSync:
        """Forget everything learnt (a new session); parameters are kept."""
        self._state = _ClockState()
        return self

    # --- results ---------------------------------------------------------------------------
    @property
    def _p(self) -> ClockSyncParams:
        return self.params if self.params is not None else _DEFAULT_PARAMS

    def _current(self) -> _Epoch | None:
        return None if self._state is None else self._state.current

    @property
    def offset_s_(self) -> float:
        epoch = self._current()
        return math.nan if epoch is None else epoch.offset_s - self._p.latency_s

    @property
    def drift_ppm_(self) -> float:
        epoch = self._current()
        return math.nan if epoch is None else epoch.drift * 1e6

    @property
    def residual_s_(self) -> float:
        epoch = self._current()
        return math.nan if epoch is None else epoch.residual_s

    @property
    def epoch_(self) -> int:
        epoch = self._current()
        return -1 if epoch is None else epoch.index

    @property
    def n_fit_bins_(self) -> int:
        epoch = self._current()
        if epoch is None:
            return 0
        return int(np.count_nonzero(_window_mask(epoch, self._p.n_window_bins)))

    def drift_reading(self) -> DriftReading:
        """The clock's drift over its whole epoch, only as far as the arrivals resolve it.

        Positive when the sensor clock runs fast (the opposite sign of ``drift_ppm_``, which is
        the window's fit in host seconds per sensor second). After a reboot, until the new epoch
        resolves its own, the previous epoch's resolved figure stands: the crystal is the same.
        See ``anklet.timing._drift``.
        """
        state = self._state
        if state is None or state.current is None:
            return UNKNOWN
        reading = state.current.long_baseline.reading()
        if reading.ppm is None and state.previous is not None:
            before = state.previous.long_baseline.reading()
            if before.ppm is not None:
                return before
        return reading

    # --- the action ------------------------------------------------------------------------
    def update(self, packets: PacketArrivals) -> SyncedPackets:
        """Take the next packets of this sensor (arrival order) and time them.

        Returns each packet's first-sample host time (with the fit that includes these very
        packets), its sample period in host seconds, its clock epoch and unwrapped tick.
        """
        if self._state is None:
            self._state = _ClockState()
        p, state = self._p, self._state
        n = len(packets.host_time_s)
        first_s = np.empty(n)
        period_s = np.empty(n)
        epoch_index = np.empty(n, dtype=np.int64)
        tick_us = np.empty(n, dtype=np.int64)
        tol_us, max_delay_us = p.reset_tolerance_s * 1e6, p.max_delay_s * 1e6
        start = 0
        while start < n:
            rows = slice(start, n)
            if state.current is None:
                self._start_epoch(packets, start)
            epoch = state.current
            assert epoch is not None
            unwrapped, mismatch_us = _unwrap(packets, rows, epoch, p)
            flagged = _flagged(packets, rows, epoch)
            breaks = flagged | (mismatch_us > tol_us) | (mismatch_us < -max_delay_us)
            stop = n if not breaks.any() else start + int(np.argmax(breaks))
            if stop > start:
                self._absorb(epoch, packets, slice(start, stop), unwrapped[: stop - start])
                self._time(epoch, packets, slice(start, stop), unwrapped[: stop - start], first_s, period_s)
                epoch_index[start:stop] = epoch.index
                tick_us[start:stop] = unwrapped[: stop - start]
            if stop == n:
                break
            late = self._late_for_previous(packets, stop, flagged[stop - start])
            if late is not None:  # a straggler from before the reboot: time it, learn nothing
                previous, tick = late
                self._time(previous, packets, slice(stop, stop + 1), tick, first_s, period_s)
                epoch_index[stop], tick_us[stop] = previous.index, tick[0]
                start = stop + 1
            else:
                self._start_epoch(packets, stop)
                start = stop
        return SyncedPackets(first_s, period_s, epoch_index, tick_us)

    def update_one(
        self, tick_us: int, n_samples: int, sample_rate_hz: float, sequence: int, clock_reset: bool, host_time_s: float
    ) -> tuple[float, float, int, int]:
        """``update`` for one packet, the live path: the same numbers in scalar arithmetic (for a
        single packet, building and indexing arrays costs several times the sums themselves).

        Returns the packet's first-sample host time (s), its sample period in host seconds, its
        clock epoch and its unwrapped tick (µs). A packet that starts an epoch, or may, goes
        through ``update``.
        """
        epoch = None if self._state is None else self._state.current
        if epoch is not None:
            p = self._p
            close_us = _close_offset_us_one(n_samples, sample_rate_hz, p)
            predicted_us = (host_time_s - epoch.offset_s) / (1.0 + epoch.drift) * 1e6 - close_us
            tick = tick_us + _WRAP_US * round((predicted_us - tick_us) / _WRAP_US)
            mismatch_us = tick - predicted_us
            flagged = clock_reset and (sequence, tick_us) != epoch.start_key
            if not flagged and -p.max_delay_s * 1e6 <= mismatch_us <= p.reset_tolerance_s * 1e6:
                self._absorb_one(epoch, (tick + close_us) * 1e-6, host_time_s)
                scale = 1.0 + epoch.drift
                return epoch.offset_s - p.latency_s + scale * (tick * 1e-6), scale / sample_rate_hz, epoch.index, tick
        synced = self.update(PacketArrivals(
            tick_us=np.array([tick_us]),
            n_samples=np.array([n_samples]),
            sample_rate_hz=np.array([float(sample_rate_hz)]),
            sequence=np.array([sequence]),
            clock_reset=np.array([clock_reset]),
            host_time_s=np.array([host_time_s]),
        ))
        return (
            float(synced.first_sample_time_s[0]),
            float(synced.sample_period_s[0]),
            int(synced.epoch[0]),
            int(synced.tick_us[0]),
        )

    def update_in_order(self, packets: PacketArrivals) -> SyncedPackets:
        """``update_one`` for each of ``packets`` in turn (arrival order): the very same numbers
        at array speed, for a replay. The line changes only where a packet opens a new bin,
        starts an epoch (or might), or the fit is still warming up; every packet between two
        such is timed by one line, so a run of them is one array step, and the packets that
        change the line go through ``update_one``."""
        n = len(packets.host_time_s)
        first_s, period_s = np.empty(n), np.empty(n)
        epoch_index, tick_us = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
        close_us = close_offset_us(packets.n_samples, packets.sample_rate_hz, self._p)  # once, not once a run
        any_reset = bool(packets.clock_reset.any())
        start = 0
        while start < n:
            epoch = self._current()
            if epoch is not None and not self._warming(epoch):
                run, tick, x, bins = self._steady_run(epoch, packets, start, close_us[start:], any_reset)
                stop = start + run
                if run:
                    self._absorb_steady(epoch, x[:run], bins[:run], packets.host_time_s[start:stop] - x[:run])
                    epoch_index[start:stop], tick_us[start:stop] = epoch.index, tick[:run]
                    self._time(epoch, packets, slice(start, stop), tick[:run], first_s, period_s)
            else:
                stop = start
            if stop < n:
                first_s[stop], period_s[stop], epoch_index[stop], tick_us[stop] = self.update_one(
                    int(packets.tick_us[stop]), int(packets.n_samples[stop]), float(packets.sample_rate_hz[stop]),
                    int(packets.sequence[stop]), bool(packets.clock_reset[stop]), float(packets.host_time_s[stop]),
                )
            start = stop + 1
        return SyncedPackets(first_s, period_s, epoch_index, tick_us)

    def _steady_run(
        self, epoch: _Epoch, packets: PacketArrivals, start: int, close_us: np.ndarray, any_reset: bool
    ) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """How many packets from ``start`` on leave ``epoch``'s line as it is (up to the first
        that is flagged, does not fit the line, or opens a new bin), and the unwrapped ticks (µs),
        send times (s, ``_close_s``) and bins (float) of the packets from ``start`` on, whose
        ``close_offset_us`` are ``close_us``; ``any_reset``: whether any packet is flagged."""
        p, rows = self._p, slice(start, None)
        tick, mismatch_us = _unwrap(packets, rows, epoch, p, close_us)
        x = (tick + close_us) * 1e-6
        bins = np.floor(x / p.bin_s)
        changes = (bins > epoch.newest_bin) | (mismatch_us < -p.max_delay_s * 1e6) | (mismatch_us > p.reset_tolerance_s * 1e6)
        if any_reset:
            changes |= _flagged(packets, rows, epoch)
        return (len(changes) if not changes.any() else int(changes.argmax())), tick, x, bins

    def _absorb_steady(self, epoch: _Epoch, x: np.ndarray, bins: np.ndarray, d: np.ndarray) -> None:
        """``_absorb_one`` for each packet of a steady run (sent at ``x``, s, in ``bins``, ``d`` s
        above the line's origin; no new bin, so no refit): each bin keeps its first
        least-delayed packet, as one by one."""
        for bin_id, least in _least_per_bin(bins, d):
            slot = bin_id % len(epoch.bin_id)
            held = epoch.bin_id[slot]
            if held < bin_id or (held == bin_id and d[least] < epoch.bin_d[slot]):
                epoch.bin_id[slot], epoch.bin_x[slot], epoch.bin_d[slot] = bin_id, x[least], d[least]

    # --- helpers ---------------------------------------------------------------------------
    def _start_epoch(self, packets: PacketArrivals, row: int) -> None:
        state, p = self._state, self._p
        assert state is not None
        old = state.current
        if old is None:
            prior, prior_span_s = 0.0, 0.0
        else:
            prior, prior_span_s = old.drift, max(old.prior_span_s, _span_s(old, p.n_window_bins))
        slots = p.n_window_bins + 1
        epoch = _Epoch(
            index=state.n_epochs,
            start_key=(int(packets.sequence[row]), int(packets.tick_us[row])),
            prior_drift=prior,
            prior_span_s=prior_span_s,
            bin_id=np.full(slots, -1, dtype=np.int64),
            bin_x=np.zeros(slots),
            bin_d=np.zeros(slots),
            long_baseline=DriftTracker(p.drift),
        )
        x_last = _close_s(packets, slice(row, row + 1), np.array([packets.tick_us[row]]), p)
        epoch.drift = epoch.prior_drift
        epoch.offset_s = float(packets.host_time_s[row] - (1.0 + epoch.drift) * x_last[0])
        state.previous, state.current = old, epoch
        state.n_epochs += 1

    def _late_for_previous(self, packets: PacketArrivals, row: int, flagged: bool) -> tuple[_Epoch, np.ndarray] | None:
        """If the unflagged packet at ``row`` fits the epoch before the current one: that epoch."""
        state = self._state
        assert state is not None
        previous = state.previous
        if flagged or previous is None:
            return None
        tick, mismatch_us = _unwrap(packets, slice(row, row + 1), previous, self._p)
        if abs(mismatch_us[0]) > self._p.reset_tolerance_s * 1e6:
            return None
        return previous, tick

    def _absorb(self, epoch: _Epoch, packets: PacketArrivals, rows: slice, tick_us: np.ndarray) -> None:
        """Put the packets' arrival floor points into the bins and refit if a minimum changed."""
        p = self._p
        x = _close_s(packets, rows, tick_us, p)
        d = packets.host_time_s[rows] - x
        ids, xs, ds = bin_minima(np.floor(x / p.bin_s).astype(np.int64), x, d)
        slots = ids % len(epoch.bin_id)
        held = epoch.bin_id[slots]
        replace = (held < ids) | ((held == ids) & (ds < epoch.bin_d[slots]))
        if not replace.any():
            return
        slots, ids = slots[replace], ids[replace]
        epoch.bin_id[slots], epoch.bin_x[slots], epoch.bin_d[slots] = ids, xs[replace], ds[replace]
        newest = int(ids.max())
        for closed in range(max(epoch.newest_bin, newest - len(epoch.bin_id) + 1, 0), newest):
            _close_bin(epoch, closed)
        if newest > epoch.newest_bin or int(ids.min()) < newest or self._warming(epoch):
            epoch.newest_bin = max(epoch.newest_bin, newest)
            self._refit(epoch)

    def _absorb_one(self, epoch: _Epoch, x: float, host_time_s: float) -> None:
        """``_absorb`` for one packet sent at sensor time ``x`` (s)."""
        d = host_time_s - x
        bin_id = math.floor(x / self._p.bin_s)
        slot = bin_id % len(epoch.bin_id)
        held = epoch.bin_id[slot]
        if held > bin_id or (held == bin_id and d >= epoch.bin_d[slot]):
            return
        if bin_id > epoch.newest_bin >= 0:
            _close_bin(epoch, epoch.newest_bin)
        epoch.bin_id[slot], epoch.bin_x[slot], epoch.bin_d[slot] = bin_id, x, d
        if bin_id > epoch.newest_bin or self._warming(epoch):
            epoch.newest_bin = max(epoch.newest_bin, bin_id)
            self._refit(epoch)

    def _warming(self, epoch: _Epoch) -> bool:
        return int(np.count_nonzero(_window_mask(epoch, self._p.n_window_bins))) < _MIN_CLOSED_BINS

    def _refit(self, epoch: _Epoch) -> None:
        p = self._p
        mask = _window_mask(epoch, p.n_window_bins)
        if np.count_nonzero(mask) < _MIN_CLOSED_BINS:
            mask |= epoch.bin_id == epoch.newest_bin
        x, d = epoch.bin_x[mask], epoch.bin_d[mask]
        limit = p.max_drift_ppm * 1e-6
        slope = envelope_slope(x, d, -limit, limit)
        slope = shrink_slope(slope, float(x.max() - x.min()), epoch.prior_drift, epoch.prior_span_s, p)
        offset, slope = envelope_fit(x, d, slope, slope)
        above = d - (offset + slope * x)
        epoch.offset_s, epoch.drift = offset, slope
        epoch.residual_s = float(np.sqrt((above * above).mean()))

    def _time(
        self,
        epoch: _Epoch,
        packets: PacketArrivals,
        rows: slice,
        tick_us: np.ndarray,
        first_s: np.ndarray,
        period_s: np.ndarray,
    ) -> None:
        scale = 1.0 + epoch.drift
        first_s[rows] = epoch.offset_s - self._p.latency_s + scale * (tick_us * 1e-6)
        period_s[rows] = scale / packets.sample_rate_hz[rows]


_DEFAULT_PARAMS = ClockSyncParams()


def _close_bin(epoch: _Epoch, bin_id: int) -> None:
    """Hand a bin that has just closed (a later one opened) to the long baseline, if it holds a packet."""
    slot = bin_id % len(epoch.bin_id)
    if epoch.bin_id[slot] == bin_id:
        epoch.long_baseline.add(bin_id, float(epoch.bin_x[slot]), float(epoch.bin_d[slot]))


def shrink_slope(slope: float, span_s: float, prior: float, prior_span_s: float, p: ClockSyncParams) -> float:
    """The envelope slope over a baseline of ``span_s``, shrunk towards the prior drift.

    The prior (learnt over ``prior_span_s`` before a reboot, or 0 with no baseline) weighs as
    much as the new data once the new baseline is ``max(drift_span_s, prior baseline)`` long.
    """
    span0_s = max(p.drift_span_s, min(prior_span_s, p.window_s))
    weight = span_s * span_s / (span_s * span_s + span0_s * span0_s)
    return prior + weight * (slope - prior)


_MIN_CLOSED_BINS = 3
"""Until this many bins are closed, the open (newest) bin takes part in the fit too."""


def _window_mask(epoch: _Epoch, n_window_bins: int) -> np.ndarray:
    """The closed bins of the window: the ``n_window_bins`` before the newest (open) one."""
    return (epoch.bin_id >= max(0, epoch.newest_bin - n_window_bins)) & (epoch.bin_id < epoch.newest_bin)


def _span_s(epoch: _Epoch, n_window_bins: int) -> float:
    mask = _window_mask(epoch, n_window_bins)
    if not mask.any():
        return 0.0
    x = epoch.bin_x[mask]
    return float(x.max() - x.min())


def close_offset_us(n_samples: np.ndarray, sample_rate_hz: np.ndarray, p: ClockSyncParams) -> np.ndarray:
    """Sensor time from a packet's first sample to when the firmware sent it, µs.

    A full packet (19 samples) goes at its last sample; any other at the flush deadline.
    """
    last_us = (n_samples - 1) * (1e6 / sample_rate_hz)
    return np.where(n_samples >= _FULL_PACKET, last_us, np.maximum(last_us, p.flush_deadline_s * 1e6))


_FULL_PACKET = 19
"""Samples in a full packet (protocol v1)."""


def _close_offset_us_one(n_samples: int, sample_rate_hz: float, p: ClockSyncParams) -> float:
    """``close_offset_us`` of one packet."""
    last_us = (n_samples - 1) * (1e6 / sample_rate_hz)
    return last_us if n_samples >= _FULL_PACKET else max(last_us, p.flush_deadline_s * 1e6)


def _flagged(packets: PacketArrivals, rows: slice, epoch: _Epoch) -> np.ndarray:
    """Which packets flag a clock reset, other than the one that started ``epoch``."""
    started_it = (packets.sequence[rows] == epoch.start_key[0]) & (packets.tick_us[rows] == epoch.start_key[1])
    return packets.clock_reset[rows] & ~started_it


def _close_s(packets: PacketArrivals, rows: slice, tick_us: np.ndarray, p: ClockSyncParams) -> np.ndarray:
    """Sensor time at which each packet was sent, s, from its unwrapped first tick (µs)."""
    return (tick_us + close_offset_us(packets.n_samples[rows], packets.sample_rate_hz[rows], p)) * 1e-6


def _least_per_bin(bins: np.ndarray, d: np.ndarray) -> list[tuple[int, int]]:
    """Each bin of ``bins`` (whole numbers, float) with the index of its first least ``d``,
    bins in order."""
    if (bins == bins[0]).all():  # the usual: every packet in the open bin
        return [(int(bins[0]), int(d.argmin()))]
    least = []
    for bin_id in np.unique(bins).tolist():
        in_bin = np.flatnonzero(bins == bin_id)
        least.append((int(bin_id), int(in_bin[int(d[in_bin].argmin())])))
    return least


def _unwrap(
    packets: PacketArrivals, rows: slice, epoch: _Epoch, p: ClockSyncParams, last_offset_us: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Unwrapped first-sample ticks (µs, int64) and their disagreement with the prediction, µs.

    The prediction is the epoch line inverted at the arrival time (zero delay), so the
    disagreement of a sane packet is minus its delay: milliseconds, never seconds.
    ``last_offset_us``: the rows' ``close_offset_us``, when already known.
    """
    if last_offset_us is None:
        last_offset_us = close_offset_us(packets.n_samples[rows], packets.sample_rate_hz[rows], p)
    predicted_us = (packets.host_time_s[rows] - epoch.offset_s) / (1.0 + epoch.drift) * 1e6 - last_offset_us
    raw = packets.tick_us[rows]
    unwrapped = raw + _WRAP_US * ((predicted_us - raw) / _WRAP_US).round().astype(np.int64)
    return unwrapped, unwrapped - predicted_us
