"""Cutting one side's dorsiflexion stream into repetitions, chunk by chunk.

A repetition is an excursion towards dorsiflexion and back: the angle rises at least
``rise_rad`` above the lowest angle held for ``low_hold_s`` since the previous rep (the "low":
a moment's dip, as a foot pushing off to step back, is no low), then falls by at least
``fall_fraction`` of its excursion. It is complete when the angle, after that fall, either
settles (stays within ``band_rad`` of its new minimum for ``settle_s``) or rises by
``rise_rad`` again (the next rep begins without a pause, as in a split squat whose heel raise
leads straight into the next descent). Levels are relative, so a rep can start from standing
(squats), from a lunge (knee-to-wall) or from a heel on a board (split squat).

The stream is processed transition by transition; each step is a vectorised search over the
samples held since the current rep (or rest) began, so the same samples give the same reps
however they are cut into chunks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.ndimage import maximum_filter1d

__all__ = ["RepSegmenter", "SegmentParams", "Segment"]

_REST, _RISING, _FALLING = "rest", "rising", "falling"


@dataclass(frozen=True, slots=True)
class SegmentParams:
    """Tunables of the rep segmentation.

    Attributes
    ----------
    rise_rad
        A rep starts once dorsiflexion is this far above the low, rad. Above the 4-8 deg a
        back leg moves in a lunge and the few degrees a loss burst can leave.
    low_hold_s
        The low is the lowest angle the ankle holds this long (the highest angle of a window
        this long, at its lowest), s. A foot stepping back into a lunge plantarflexes 6 deg
        for 0.8 s as it pushes off, then the leg leans 4-8 deg: from the dip that is a 14 deg
        rise, from where the foot stood still 8 deg.
    fall_fraction
        The rep is on its way back once the angle has fallen this fraction of its excursion.
    band_rad
        "At the low" / "at the new minimum" means within this, rad: a rep starts when the
        angle last left the band around the low and ends when it reaches the band around
        its post-rep minimum.
    settle_s
        A rep ends when the angle has stayed within the band of its minimum this long, s.
    max_descent_s
        A rep starts at most this long before it crossed ``rise_rad`` (bounds the samples
        held while an athlete stays a few degrees above the low), s.
    max_gap_s
        Nor before a stretch of missing samples this long: what happened in it is unknown, s.
        Such a stretch also ends what is under way: a rep on its way back ends with its last
        sample, a rep not yet on its way back is dropped (its depth and end are unknown).
    max_rep_s
        A rep that has not started on its way back this long after it started is dropped:
        the athlete has changed position (stepped off a board after a set's last heel raise,
        say), and the angle he holds now is the new low, s.
    """

    rise_rad: float = math.radians(10.0)
    low_hold_s: float = 1.0
    fall_fraction: float = 0.5
    band_rad: float = math.radians(2.0)
    settle_s: float = 0.5
    max_descent_s: float = 10.0
    max_gap_s: float = 1.0
    max_rep_s: float = 20.0

    def __post_init__(self) -> None:
        if not (self.rise_rad > self.band_rad > 0.0 and 0.0 < self.fall_fraction < 1.0):
            raise ValueError("need rise_rad > band_rad > 0 and 0 < fall_fraction < 1")
        if min(self.low_hold_s, self.settle_s, self.max_descent_s, self.max_gap_s, self.max_rep_s) <= 0.0:
            raise ValueError("low_hold_s, settle_s, max_descent_s, max_gap_s and max_rep_s must be positive")


class Segment(NamedTuple):
    """A completed rep: its samples from start to the moment it was known to be complete,
    times (k,) s and dorsiflexion (k,) rad (NaN where missing), and the low it rose from, rad."""

    t: np.ndarray
    dorsiflexion: np.ndarray
    low_rad: float


class RepSegmenter:
    """One side's dorsiflexion, fed in order with ``update``; returns the reps it completed.

    ``finish()`` closes a rep that was on its way back when the stream ended.
    """

    def __init__(self, rate_hz: float, params: SegmentParams | None = None) -> None:
        self.params = params or SegmentParams()
        self._settle_n = max(1, round(self.params.settle_s * rate_hz))
        self._hold_n = max(1, round(self.params.low_hold_s * rate_hz))
        self._descent_n = max(1, round(self.params.max_descent_s * rate_hz))
        self._gap_n = max(1, round(self.params.max_gap_s * rate_hz))
        self.reset()

    def reset(self) -> None:
        self._phase = _REST
        self._low = math.nan  # lowest held angle since the last rep (rest) or the low of this rep
        self._unheld = 0  # rest: index of the first sample not yet counted in the low
        self._t = np.empty(0)
        self._df = np.empty(0)
        self._armed = 0  # rising: index where the angle crossed low + rise
        self._falling_from = 0  # falling: index where the fall began

    @property
    def in_rep(self) -> bool:
        """Whether a rep has started and not yet ended."""
        return self._phase != _REST

    def update(self, t: np.ndarray, dorsiflexion_rad: np.ndarray) -> list[Segment]:
        """Samples in time order: times (n,) s, dorsiflexion (n,) rad, NaN where missing."""
        self._t = np.concatenate([self._t, t])
        self._df = np.concatenate([self._df, dorsiflexion_rad])
        done: list[Segment] = []
        while self._step(done):
            pass
        return done

    def finish(self) -> list[Segment]:
        """The rep on its way back, closed at the last sample (the stream has ended)."""
        done = []
        if self._phase == _FALLING:
            valid = np.flatnonzero(~np.isnan(self._df))
            done.append(self._close(int(valid[-1])))
        self.reset()
        return done

    def _step(self, done: list[Segment]) -> bool:
        """One transition (appending a completed rep to ``done``); False when more samples are needed."""
        if self._phase == _REST:
            return self._from_rest()
        if self._phase == _RISING:
            return self._from_rising()
        return self._from_falling(done)

    def _from_rest(self) -> bool:
        lows = np.fmin.accumulate(np.concatenate([[self._low], self._held()]))[1:]
        crossed = np.flatnonzero(self._df - lows >= self.params.rise_rad)
        if not len(crossed):
            self._low = float(lows[-1]) if len(lows) else self._low
            self._unheld = len(self._df)
            # keep a window's worth before the next samples, so each is held over all of it
            window_start = len(self._df) - self._hold_n + 1
            self._keep_from(max(0, min(self._start_index(len(self._df) - 1, self._low), window_start)))
            return False
        k = int(crossed[0])
        self._low = float(lows[k])
        start = self._start_index(k, self._low)
        self._keep_from(start)
        self._phase, self._armed = _RISING, k - start
        return True

    def _from_rising(self) -> bool:
        df = self._df[self._armed :]
        peaks = np.fmax.accumulate(df)
        fallen = np.flatnonzero(df <= peaks - self.params.fall_fraction * (peaks - self._low))
        late = np.flatnonzero(self._t > self._t[0] + self.params.max_rep_s)
        falls_at = self._armed + int(fallen[0]) if len(fallen) else None
        lost_at = _first(int(late[0]) if len(late) else None, self._gap_index())
        if lost_at is not None and (falls_at is None or lost_at < falls_at):
            # too long, or its way back is missing: no rep, rest from here at whatever angle comes
            self._rest_after(lost_at)
            return True
        if falls_at is None:
            return False
        self._phase, self._falling_from = _FALLING, falls_at
        return True

    def _from_falling(self, done: list[Segment]) -> bool:
        p = self.params
        df = self._df[self._falling_from :]
        minima = np.fmin.accumulate(df)
        rises_again = df - minima >= p.rise_rad
        window_max = np.full(len(df), np.inf)
        if len(df) >= self._settle_n:
            present = np.nan_to_num(df, nan=-np.inf)  # a missing sample neither settles nor unsettles
            window_max[self._settle_n - 1 :] = sliding_window_view(present, self._settle_n).max(axis=1)
        settled = ~np.isnan(df) & (window_max <= minima + p.band_rad)
        ended = np.flatnonzero(rises_again | settled)
        gap = self._gap_index()
        if gap is not None and (not len(ended) or gap < self._falling_from + ended[0]):
            # the angles stop on the way back: the rep ends with its last sample
            done.append(self._close(int(np.flatnonzero(~np.isnan(self._df[:gap]))[-1])))
            self._rest_after(gap)
            return True
        if not len(ended):
            return False
        end = self._falling_from + int(ended[0])
        done.append(self._close(end))
        after_low = float(minima[ended[0]])
        if rises_again[ended[0]]:  # the next rep is already on its way up from this rep's minimum
            start = self._start_index(end, after_low, since=self._falling_from)
            self._keep_from(start)
            self._phase, self._armed, self._low = _RISING, end - start, after_low
        else:
            self._keep_from(end)
            self._phase, self._low, self._unheld = _REST, after_low, 0
        return True

    def _held(self) -> np.ndarray:
        """Per sample, the highest angle of the ``low_hold_s`` up to it (NaN where the sample
        is missing or already counted in the low); a window stops at the samples held, which
        reach back a whole window but after a rep or a gap."""
        present = np.nan_to_num(self._df, nan=-np.inf)
        held = maximum_filter1d(present, self._hold_n, origin=(self._hold_n - 1) // 2, mode="nearest")
        held[np.isnan(self._df)] = np.nan
        held[: self._unheld] = np.nan
        return held

    def _gap_index(self) -> int | None:
        """Where the samples held have been missing for ``max_gap_s`` in a row, if they have."""
        missing = np.isnan(self._df)
        if not missing.any():
            return None
        index = np.arange(len(missing))
        run = index - np.maximum.accumulate(np.where(missing, -1, index))
        long = np.flatnonzero(run >= self._gap_n)
        return int(long[0]) if len(long) else None

    def _rest_after(self, index: int) -> None:
        """Rest from the first sample present from ``index`` on, the low unknown."""
        present = np.flatnonzero(~np.isnan(self._df[index:]))
        self._keep_from(index + int(present[0]) if len(present) else len(self._df))
        self._phase, self._low, self._unheld = _REST, math.nan, 0

    def _close(self, end: int) -> Segment:
        return Segment(self._t[: end + 1].copy(), self._df[: end + 1].copy(), self._low)

    def _start_index(self, k: int, low: float, since: int = 0) -> int:
        """The last sample at or before ``k`` within the band of ``low`` (not before ``since``),
        at most ``max_descent_s`` before ``k`` and not before a gap longer than ``max_gap_s``."""
        near = np.flatnonzero(self._df[since : k + 1] <= low + self.params.band_rad)
        start = max(since + int(near[-1]) if len(near) else 0, k - self._descent_n, 0)
        present = start + np.flatnonzero(~np.isnan(self._df[start : k + 1]))
        gaps = np.flatnonzero(np.diff(present) > self._gap_n)
        return int(present[gaps[-1] + 1]) if len(gaps) else start

    def _keep_from(self, index: int) -> None:
        """Forget the samples before ``index``."""
        self._t, self._df = self._t[index:], self._df[index:]
        self._armed = max(0, self._armed - index)
        self._falling_from = max(0, self._falling_from - index)
        self._unheld = max(0, self._unheld - index)


def _first(*indices: int | None) -> int | None:
    """The smallest of the indices that are not None (None if all are)."""
    known = [index for index in indices if index is not None]
    return min(known) if known else None
