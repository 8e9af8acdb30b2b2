"""Initial contact, mid-stance and toe-off of one foot, stride by stride, from its own sensor.

The steps follow the stance (``docs/gait.md`` has the figures and the reasoning):

1. **Foot-flat** is a run of rows where the foot lies still on the ground (it hardly turns and
   the accelerometer reads gravity alone).
2. **IC**, when the foot was airborne before that foot-flat, is the impact in the specific
   force along the sole's normal (foot-flat's "up") in the ``ic_window_s`` before it: the
   reading climbs the instant the contact point is arrested, after a runner's flight or, with
   no flight, at a walker's heel strike.
3. **MS** is the middle of the foot-flat, reported when it ends.
4. **TO** is the instant the contact-point model (``_contact``) stops holding after foot-flat:
   the ball leaves the belt. The model is fitted on the stance of the last strides; the first
   stride of a session fits it on its own push-off first.

Each step waits until the rows it needs are present and depends on nothing else, so the
events are the same however the stream is cut into chunks. Lost samples (NaN rows) are
skipped. An event that happened inside a gap is placed inside that gap, where the last strides'
rhythm puts it (the time from foot-flat to the event varies by a few ms from stride to stride).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from enum import Enum, auto
from typing import Any, NamedTuple

import numpy as np

from anklet.geometry import angular_acceleration, at_rest_by_norms
from anklet.gait._contact import LeverEquations, contact_acceleration, fit_lever_arm, lever_equations, turned_gravity
from anklet.gait._signals import (
    Impact,
    impacts,
    median,
    principal_axis,
    rising_onset,
    row_norms,
)

class GaitEvent(NamedTuple):
    """``event`` (``IC``, ``MS`` or ``TO``) of the ``side`` foot at session time ``t``, s."""

    t: float
    side: str
    event: str

    def to_message(self) -> dict[str, Any]:
        """The ``event`` message of DESIGN.md."""
        return {"type": "event", "t": self.t, "side": self.side, "event": self.event}


@dataclass(frozen=True, slots=True)
class EventParams:
    """Tunables of the event steps; ``docs/gait.md`` gives the reason for each default.

    Attributes
    ----------
    rest_gyr_rads, rest_acc_mps2
        Foot-flat: the foot turns slower than this, rad/s, and |acc| is within this of g, m/s².
    rest_alpha_radps2
        ... and, turning faster than ``still_gyr_rads``, its turn changes slower than this from
        the row before, rad/s² (a slow swing's turn passes through zero as it reverses).
    still_gyr_rads
        A foot turning slower than this lies still, rad/s: the rows gravity is read on, and
        the push-off turn is counted from the last of them.
    min_rest_s
        Shortest foot-flat, s (one that begins inside a longer gap of lost samples counts from
        two rows: it may have begun in the gap; one cut short by such a gap counts when the
        foot is still after it too).
    max_gap_s
        Lost samples for longer than this split a foot-flat, s.
    ic_window_s
        The impact is searched this long before foot-flat, s (a slow walker's heel rolls down
        for up to 0.2 s).
    impact_fraction
        Impact candidates climb at least this fraction as steeply as the steepest climb before
        foot-flat (a rearfoot strike's forefoot slap can climb faster than its heel's impact).
    flight_fall_mps
        A candidate after a fall of at least this (the runner's flight), m/s, is chosen by the
        longest fall; without one (walking) the steepest climb is the heel strike.
    rebound_s
        A stretch below g that begins this soon after a steeper climb is the rebound of that
        impact (a walker's foot rolling down about the heel), not a fall, s.
    push_off_gyr_rads
        A toe-off needs the foot to have turned at least this fast since foot-flat, rad/s.
    toe_off_residual_mps2
        Acceleration of the contact point that means it has left the ground, m/s².
    toe_off_onset_mps2
        A toe-off that crosses that threshold by little (a walker's slow lift) began where the
        acceleration climbed from this, m/s².
    max_push_off_s
        Toe-off must come within this after foot-flat ends, s.
    bootstrap_s
        The first stride fits the contact model on its push-off up to the fastest turn within
        this after foot-flat, s.
    lever_window_s
        Stance before each toe-off that the contact-model fit uses, s.
    history_strides
        Strides the contact-model fit and the stride rhythm remember.
    rhythm_tolerance_s
        An impact found further than this from where the rhythm puts it, with samples lost
        there, was lost in them, s.
    weak_impact_fraction
        A climb less than this fraction as steep as the usual impact is not one.
    """

    rest_gyr_rads: float = 1.0
    rest_acc_mps2: float = 3.0
    rest_alpha_radps2: float = 5.0
    min_rest_s: float = 0.03
    max_gap_s: float = 0.15
    ic_window_s: float = 0.25
    impact_fraction: float = 0.25
    flight_fall_mps: float = 0.1
    rebound_s: float = 0.1
    still_gyr_rads: float = 0.1
    push_off_gyr_rads: float = 2.0
    toe_off_residual_mps2: float = 5.0
    toe_off_onset_mps2: float = 2.0
    max_push_off_s: float = 0.6
    bootstrap_s: float = 0.25
    lever_window_s: float = 0.3
    history_strides: int = 8
    rhythm_tolerance_s: float = 0.01
    weak_impact_fraction: float = 0.2


class _StanceRows(NamedTuple):
    """Rows [first, first + len(t)): times, acc, gyr, their angular acceleration and gravity
    (sensor frame, turned with the foot after foot-flat), as ``FootEvents._stance_rows`` reads them."""

    first: int
    t: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    alpha: np.ndarray
    gravity: np.ndarray


class _ToeOffSearch:
    """What the toe-off search has found in one push-off so far, carried from update to update.

    Rows [first, done) have their angular acceleration and gravity (``_StanceRows``' columns),
    from the earliest row the contact-model fit at a toe-off here reads; rows [start, done),
    from foot-flat's last row, also whether each can show the toe-off (a sample, and its
    neighbours' for the angular acceleration: ``valid``) and their contact point's
    acceleration under ``lever_m`` (``residual``, m/s²). ``onset`` is the toe-off's rise on
    them (the first row of the rise and its onset time, s), None while there is none. Each
    row's values depend on it and its neighbours alone, and the rise on the rows up to its
    second, so rows are computed once, when their next row has come, and the rise is the one
    a search of the whole push-off finds. The values hold for the contact model (``lever_m``,
    ``turn_axis``) they were computed with.
    """

    __slots__ = ("first", "start", "done", "lever_m", "turn_axis", "alpha", "gravity", "valid", "residual", "onset")

    def __init__(
        self, first: int, start: int, stop: int, lever_m: np.ndarray | None, turn_axis: np.ndarray | None
    ) -> None:
        self.first, self.start, self.done = first, start, first
        self.lever_m, self.turn_axis = lever_m, turn_axis
        self.alpha, self.gravity = np.empty((stop - first, 3)), np.empty((stop - first, 3))
        self.valid, self.residual = np.zeros(stop - start, dtype=bool), np.zeros(stop - start)
        self.onset: tuple[int, float] | None = None


class _Phase(Enum):
    SEEK_REST = auto()  # airborne or pushing off: waiting for the next foot-flat
    AT_REST = auto()  # in foot-flat: waiting for it to end
    PUSH_OFF = auto()  # foot-flat ended: waiting for toe-off


_SEARCH_S = 2.0
"""Rows a search step looks at, at most, s: keeps a whole-file update linear in its length."""
_MIN_SWING_S = 0.1
"""A foot at rest again sooner after its toe-off did not swing, s (a swing lasts 0.3 s or more
in walking and running)."""
_MAX_STRIDE_S = 2.5
"""Longer between two ICs of a foot is a stop, not a stride, s."""
_RHYTHM_STRIDES = 3
"""Impacts measured before the rhythm picks among candidates."""
_BUFFER_COLUMNS = ("_t", "_acc", "_gyr", "_valid", "_speed", "_rest")
"""The row buffer's columns (``FootEvents``' attributes)."""
_STORAGE_SLACK_ROWS = 4096
"""Room for rows to come that new storage for the row buffer leaves after the rows it holds:
a live update's few rows are written there, without a copy of the rows held."""
_FIRST_SEARCH_BLOCK_S = 0.125
"""The toe-off search computes the first rows of a push-off it holds in a block this long, s,
and then doubles what it has done, until the rise shows."""
_LONGEST_EXTRAPOLATION_S = 0.025
"""A toe-off inside a longer gap is placed by the rhythm, not on the line back from the first
rows after the gap (the rise of the contact point's acceleration is straight for about 20 ms)."""


class FootEvents:
    """The event steps for one foot, fed its sensor's rows in order.

    ``update(t, acc, gyr)`` takes consecutive host-grid rows (``t`` (n,) s; ``acc`` (n, 3)
    m/s², ``gyr`` (n, 3) rad/s, sensor frame, NaN rows where lost) and returns the events
    that became certain. ``reset()`` forgets the stream but keeps the parameters.
    """

    def __init__(self, side: str, rate_hz: float, params: EventParams | None = None) -> None:
        self.side = side
        self.rate_hz = rate_hz
        self.params = params or EventParams()
        self.reset()

    def reset(self) -> None:
        self._t = np.empty(0)
        self._acc = np.empty((0, 3))
        self._gyr = np.empty((0, 3))
        # Per-row features, computed once as the rows come (the steps look at rows many times):
        self._valid = np.empty(0, dtype=bool)  # the row has a sample (``valid_rows``)
        self._speed = np.empty(0)  # |gyr|, rad/s
        self._rest = np.empty(0, dtype=bool)  # the foot lies still on the ground (``_rest_of``)
        # The columns above are views of storage with room after them (``_append``):
        self._storage = {name: getattr(self, name) for name in _BUFFER_COLUMNS}
        self._stored_from = 0  # where the first buffered row is in the storage
        self._first = 0  # absolute row number of the first buffered row
        self._phase = _Phase.SEEK_REST
        self._cursor = 0  # absolute row where the current step looks first
        self._rest_start_t: float | None = None  # None: the foot-flat began inside a long gap
        self._rest_start_spread_s = 0.0  # it began within this of _rest_start_t (a short gap)
        self._rest_first = 0  # first row seen at rest in the current foot-flat
        self._rest_end = 0  # last row seen at rest in the current foot-flat
        self._rest_first_t = -math.inf  # when the current foot-flat was first seen at rest
        self._last_rest_t = (-math.inf, -math.inf)  # the last foot-flat seen whole: from, to (s)
        self._turn_from = 0  # last still row of foot-flat: the foot's push-off turn counts from it
        self._stance_has_ic = False
        self._last_ic_t: float | None = None  # this stance's IC, measured
        self._previous_ic_t: float | None = None  # the last IC reported
        self._ic_lost_in: tuple[float, float] | None = None  # the gap this stance's IC fell in
        self._airborne = False
        self._last_to_t: float | None = None
        self._lever_m: np.ndarray | None = None  # sensor to contact point, sensor frame, m
        self._turn_axis: np.ndarray | None = None  # what the foot turns about in push-off
        self._rest_gravity = np.zeros(3)  # gravity in the sensor frame at _turn_from
        self._search: _ToeOffSearch | None = None  # the toe-off search of the current push-off
        history = self.params.history_strides
        self._stances: deque[tuple[LeverEquations, np.ndarray]] = deque(maxlen=history)  # and their gyr
        self._ic_to_rest_s: deque[float] = deque(maxlen=history)
        self._impact_slopes: deque[float] = deque(maxlen=history)
        self._contact_s: deque[float] = deque(maxlen=history)
        self._stride_s: deque[float] = deque(maxlen=history)
        self._rest_to_toe_off_s: deque[float] = deque(maxlen=history)

    def update(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> list[GaitEvent]:
        self._append(t, acc, gyr)
        events: list[GaitEvent] = []
        while (found := self._step()) is not None:
            events += found
        self._forget_old_rows()
        return events

    # ---- the three steps: each returns the events it found, or None to wait for rows -----

    def _step(self) -> list[GaitEvent] | None:
        """The step of the current phase (compared by identity: a dict of phases hashes each
        member in Python, several times an update)."""
        if self._phase is _Phase.SEEK_REST:
            return self._seek_rest()
        if self._phase is _Phase.AT_REST:
            return self._wait_rest_end()
        return self._seek_toe_off()

    def _seek_rest(self) -> list[GaitEvent] | None:
        stop = min(self._end, self._cursor + self._rows_of(_SEARCH_S))
        if stop <= self._cursor:
            return None
        start, resume, lost_before_s = self._first_rest(self._cursor, stop)
        if start is None:
            if resume == self._cursor:
                return None
            self._cursor = resume
            return []
        if self._end < start + self._rows_of(self.params.min_rest_s):
            # A foot-flat after a gap is found on its first rows; the IC is measured along the
            # sole's normal over min_rest_s of them, however the rows came in chunks.
            return None
        # Samples lost just before the first row at rest: foot-flat began somewhere in that gap
        # (of unknown length when it began before the rows still held).
        lost_s = max(lost_before_s - 1.0 / self.rate_hz, 0.0)
        known = math.isfinite(lost_s)
        self._rest_start_t = self._time(start) - 0.5 * lost_s if known else None
        self._rest_start_spread_s = 0.5 * lost_s if known else 0.0
        if self._last_to_t is not None and self._time(start) - self._last_to_t < _MIN_SWING_S:
            self._airborne = False  # back at rest at once: the foot did not swing (a heel raise)
        skipped = self._stances_lost_in_gaps(self._time(start)) if self._airborne else []
        ic_t = self._initial_contact(start) if self._airborne and known else None
        if ic_t is not None:
            self._remember_stride(ic_t)
        elif lost_before_s > self.params.max_gap_s:
            self._rest_start_t = None  # no impact before a long gap: foot-flat began somewhere in it
        # Airborne before a long gap and at rest after it: it landed in the gap (placed at TO).
        lost_from = self._time(start) - lost_before_s
        self._ic_lost_in = (lost_from, self._time(start)) if self._airborne and self._rest_start_t is None else None
        self._stance_has_ic, self._airborne, self._last_ic_t = ic_t is not None, False, ic_t
        self._phase, self._rest_first, self._rest_end, self._cursor = _Phase.AT_REST, start, start, start + 1
        self._rest_first_t = self._time(start)
        return skipped + ([GaitEvent(ic_t, self.side, "IC")] if ic_t is not None else [])

    def _wait_rest_end(self) -> list[GaitEvent] | None:
        stop = min(self._end, self._cursor + self._rows_of(_SEARCH_S))
        if stop <= self._cursor:
            return None
        rows = self._span(self._cursor, stop)
        valid = self._valid[rows]
        moving = (valid & ~self._rest[rows]).nonzero()[0]
        still = (valid[: moving[0]] if len(moving) else valid).nonzero()[0]
        if len(still):
            self._rest_end = self._cursor + int(still[-1])
        if not len(moving):
            self._cursor = stop
            return []
        self._cursor += int(moving[0])
        self._phase = _Phase.PUSH_OFF
        self._last_rest_t = (self._rest_first_t, self._time(self._rest_end))
        self._rest_gravity, self._turn_from = self._gravity_at_rest()
        if self._stance_has_ic:
            return [GaitEvent(0.5 * (self._rest_start_t + self._time(self._rest_end)), self.side, "MS")]
        return []

    def _seek_toe_off(self) -> list[GaitEvent] | None:
        p = self.params
        start, last = self._rest_end, self._rest_end + self._rows_of(p.max_push_off_s)
        if self._lever_m is None:
            if self._end < start + self._rows_of(p.bootstrap_s) + 2:
                return None
            self._bootstrap_contact_model()
        stop = min(self._end, last + 1)
        search = self._search_in_this_push_off()
        if search is None:
            # From the earliest row the contact-model fit at a toe-off here reads.
            first = max(start - self._rows_of(p.lever_window_s) - 3, self._first)
            search = self._search = _ToeOffSearch(first, start, last + 1, self._lever_m, self._turn_axis)
        self._extend_search(search, min(stop, self._end - 1))  # (the last row's alpha waits for the next)
        settled, _, _ = self._first_rest(start + 1, stop)  # row 0 is the foot-flat's last
        if settled is not None and (search.onset is None or settled <= search.onset[0]):
            # The foot settled again without leaving the ground (a shift of weight).
            self._phase, self._cursor = _Phase.SEEK_REST, settled
            return []
        if search.onset is None:
            if self._end < last + 2:
                return None
            self._phase, self._cursor = _Phase.SEEK_REST, start + 1
            self._airborne, self._last_to_t = bool(self._turned(search)[-1]), None
            return []
        row, to_t = search.onset
        t = self._t[self._span(start, row + 1)]
        to_t = self._toe_off_in_gap(to_t, np.concatenate([t[:1], t[search.valid[: row + 1 - start]]]))
        self._remember_stance(to_t)
        self._phase, self._cursor = _Phase.SEEK_REST, row
        self._airborne, self._last_to_t = True, to_t
        return [*self._contact_lost_in_gap(to_t), GaitEvent(to_t, self.side, "TO")]

    def _search_in_this_push_off(self) -> _ToeOffSearch | None:
        """The toe-off search of this push-off, unless the contact model changed since it began."""
        search = self._search
        if (search is None or search.start != self._rest_end or search.lever_m is not self._lever_m
                or search.turn_axis is not self._turn_axis):
            return None
        return search

    def _extend_search(self, search: _ToeOffSearch, stop: int) -> None:
        """Compute the search's rows up to ``stop`` until the toe-off's rise shows, in blocks
        that double the rows done from foot-flat's end: a replay's update holds the whole
        push-off (0.6 s), and the rise comes in its first 0.1 s running, 0.3 s walking."""
        start = search.start
        while search.onset is None and search.done < stop:
            first = search.done
            block = min(stop, start + max(2 * (first - start), self._rows_of(_FIRST_SEARCH_BLOCK_S)))
            _, _, acc, gyr, alpha, gravity = self._stance_rows(first, block)
            search.alpha[first - search.first : block - search.first] = alpha
            search.gravity[first - search.first : block - search.first] = gravity
            own = slice(max(start - first, 0), None)  # the rows from foot-flat's last on
            rows = slice(max(first, start) - start, block - start)
            valid = self._valid[self._span(max(first, start), block)] & ~np.isnan(alpha[own]).any(axis=1)
            search.valid[rows], search.done = valid, block
            if search.lever_m is not None:  # (else no contact model yet: the residual stays 0)
                force = contact_acceleration(acc[own], gravity[own], gyr[own], alpha[own], search.lever_m)
                search.residual[rows] = row_norms(force)
            # A rise the rows before did not show needs a new row at or above the threshold.
            if (valid & (search.residual[rows] >= self.params.toe_off_residual_mps2)).any():
                search.onset = self._toe_off_rise(search)

    def _toe_off_rise(self, search: _ToeOffSearch) -> tuple[int, float] | None:
        """The first row of the toe-off's rise in the search's rows and its onset time (s), or
        None: the contact point's acceleration rising for good (``rising_onset``), once the
        foot has turned fast since foot-flat."""
        p = self.params
        valid = search.valid[: search.done - search.start]
        rows = valid.nonzero()[0]
        t = self._t[self._span(search.start, search.done)][rows]
        residual = np.where(self._turned(search)[rows], search.residual[rows], 0.0)
        onset = rising_onset(t, residual, p.toe_off_residual_mps2, p.toe_off_onset_mps2)
        return None if onset is None else (search.start + int(rows[onset[0]]), onset[1])

    def _turned(self, search: _ToeOffSearch) -> np.ndarray:
        """(n,) bool: whether the foot has turned faster than ``push_off_gyr_rads`` since
        foot-flat, at each of the search's rows (a toe-off needs a push-off)."""
        valid = search.valid[: search.done - search.start]
        speed = np.where(valid, self._speed[self._span(search.start, search.done)], 0.0)
        return np.maximum.accumulate(speed) >= self.params.push_off_gyr_rads

    # ---- foot-flat ------------------------------------------------------------------------

    def _first_rest(self, first: int, stop: int) -> tuple[int | None, int, float]:
        """The first foot-flat in rows [first, stop): (its first row, the row a later search
        may start from, the time from the row with a sample before it, s), with None for the
        first row when there is none yet. Only rows with a sample count; a long gap splits a
        run."""
        p = self.params
        span = self._span(first, stop)
        rest = self._rest[span]
        if not rest.any():
            return None, stop, 0.0  # (what the steps below find without a row at rest)
        rows = self._valid[span].nonzero()[0]
        rest = rest[rows]
        t = self._t[span][rows]
        times = np.concatenate([[self._last_valid_time_before(first)], t])
        since_previous = times[1:] - times[:-1]  # (np.diff's steps without its cost per call)
        joined = rest[1:] & rest[:-1] & (since_previous[1:] <= p.max_gap_s)
        run_first = np.concatenate([[0], (~joined).nonzero()[0] + 1])  # runs of rows joined at rest
        run_last = np.concatenate([run_first[1:] - 1, [len(rows) - 1]])
        at_rest = rest[run_first]
        # Seen still from one row to the next at least once: two lone rows across a short gap
        # are no foot-flat (a slow swing passes through rest-like rows one at a time).
        close = np.cumsum(since_previous < 1.5 / self.rate_hz)
        starts, ends = run_first[at_rest].tolist(), run_last[at_rest].tolist()
        # The runs at rest in time order (a few, each read row by row): the first long enough
        # is the foot-flat.
        for start, end in zip(starts, ends, strict=True):
            lasted_s = t[end] - t[start] + 1.0 / self.rate_hz
            seen_still = close[end] > close[start]  # from one row to the next within the run
            # Still before a long gap and after it: the same foot-flat, which the gap cut short.
            bridged = end + 1 < len(rows) and since_previous[end + 1] > p.max_gap_s and rest[end + 1]
            after_gap = since_previous[start] > p.max_gap_s  # it may have begun in the gap
            if ((lasted_s >= p.min_rest_s - 1e-9 or bridged) and seen_still) or after_gap:
                return first + int(rows[start]), first, float(since_previous[start])
        # A run still open at the end may yet grow long enough: search again from its start.
        if starts and ends[-1] == len(rows) - 1:
            return None, first + int(rows[starts[-1]]), 0.0
        return None, stop, 0.0

    def _rest_of(self, first: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """(n,) bool: which of rows [first, stop) lie still on the ground (``at_rest``)
        and, when the row before did too, either hardly turn (``still_gyr_rads``) or turn at
        much the same rate as then: in a slow swing the foot's turn passes through zero as it
        reverses, with |acc| near g for a moment; and (n,) the rows' |acc|, m/s²."""
        p = self.params
        since = max(first - 1, self._first)
        _, acc, gyr = self._rows(since, stop)
        speed = self._speed[self._span(since, stop)]
        acc_norms = row_norms(acc)
        still = at_rest_by_norms(acc_norms, speed, p.rest_gyr_rads, p.rest_acc_mps2)  # the |gyr| the rows have
        change = row_norms(gyr[1:] - gyr[:-1]) * self.rate_hz
        turning = speed[1:] >= p.still_gyr_rads
        reversing = np.concatenate([[False], still[:-1] & still[1:] & turning & (change > p.rest_alpha_radps2)])
        return (still & ~reversing)[first - since :], acc_norms[first - since :]

    def _last_valid_time_before(self, row: int) -> float:
        """Time of the last row with a sample before ``row`` that is still held (-inf when none
        is: the gap began before the rows kept); the stream's first row has no gap before it.
        The short look back first: it is the usual case and the cheap one."""
        if row == 0:
            return self._time(0) - 1.0 / self.rate_hz
        for first in (max(self._first, row - self._rows_of(self.params.max_gap_s) - 1), self._first):
            span = self._span(first, row)
            present = self._valid[span].nonzero()[0]
            if len(present):
                return float(self._t[span][present[-1]])
        return -math.inf

    # ---- initial contact -----------------------------------------------------------------

    def _initial_contact(self, rest_start: int) -> float | None:
        """The impact before the foot-flat starting at row ``rest_start``, or None.

        Of the candidates (``impacts``, at least ``_MIN_SWING_S`` after the last toe-off) at
        least ``weak_impact_fraction`` as steep as the usual impact, the one ending the longest
        fall (a runner's flight, not the rebound after an impact), or without a flight (a
        walker) the steepest; once the rhythm is known (where that one was before foot-flat in
        the last strides), the one nearest to it: a late-swing movement or a rearfoot strike's
        forefoot slap can look like an impact too, and the rhythm, taken from the rhythm-free
        choices alone, outvotes a stride's mistake. Without a candidate near the rhythm, an
        impact lost in a gap of samples there is placed by the rhythm, inside the gap; a
        foot-flat that began somewhere in a long gap is too vague a guide for that (its IC then
        comes from the contact time, ``_contact_lost_in_gap``).
        """
        p = self.params
        rest_t, first_rest_t = self._rest_start_t, self._time(rest_start)
        reach_s = p.ic_window_s + 2.0 * self._rest_start_spread_s  # foot-flat began in a gap: before it
        earliest = first_rest_t - reach_s
        if self._last_to_t is not None:
            earliest = max(earliest, self._last_to_t + _MIN_SWING_S)  # it swings before it lands
        first = max(self._first, rest_start - self._rows_of(reach_s))
        t, acc, _ = self._rows(first, rest_start + self._rows_of(p.min_rest_s))
        valid = self._valid[self._span(first, rest_start + self._rows_of(p.min_rest_s))]
        flat = acc[valid & (t >= first_rest_t)]
        up = flat.sum(axis=0) / len(flat)  # the sole's normal, from foot-flat (np.mean's sums, not its cost)
        window = (valid & (t >= earliest) & (t <= first_rest_t)).nonzero()[0]
        expected = rest_t - median(self._ic_to_rest_s) if self._ic_to_rest_s else None
        found = []
        if len(window) >= 3:
            along_up = acc[window] @ (up / math.sqrt(up.dot(up)))  # (np.linalg.norm's arithmetic)
            found = impacts(t[window], along_up, 1.0 / self.rate_hz, p.impact_fraction, p.rebound_s, p.flight_fall_mps)
        if len(self._impact_slopes) >= _RHYTHM_STRIDES:
            weakest = p.weak_impact_fraction * median(self._impact_slopes)
            found = [ic for ic in found if ic.slope_mps3 >= weakest]
        choice = self._choose_impact(found)
        on_rhythm = choice is not None and (expected is None or self._off_rhythm(choice.t, expected) <= p.rhythm_tolerance_s)
        if on_rhythm and not choice.in_gap:
            return choice.t
        if 2.0 * self._rest_start_spread_s > p.max_gap_s:
            return None  # foot-flat began somewhere in a long gap: too vague to place the impact by
        # The impact was lost in a gap: the one it fell in, else the one where the rhythm puts it.
        edges = np.concatenate([[earliest], t[window], [first_rest_t]])
        losses = (np.diff(edges) > 1.5 / self.rate_hz).nonzero()[0]
        near = choice.t if choice is not None and choice.in_gap else expected
        if near is not None:
            reach = p.rhythm_tolerance_s + self._rest_start_spread_s
            losses = losses[(edges[losses] < near + reach) & (edges[losses + 1] > near - reach)]
        if not len(losses):
            return None if choice is None else choice.t
        lost_from, lost_to = edges[losses[0]], edges[losses[0] + 1]
        return float(min(max(expected, lost_from), lost_to)) if expected is not None else 0.5 * (lost_from + lost_to)

    def _choose_impact(self, found: list[Impact]) -> Impact | None:
        """The candidate ending the longest fall (remembered for the rhythm), or once the
        rhythm is known, the one nearest to it."""
        if not found:
            return None
        airborne = [ic for ic in found if ic.fall_mps >= self.params.flight_fall_mps]
        # Running: the impact ends the flight. Walking has none: the heel strike is the sharpest climb.
        first_choice = max(airborne, key=lambda ic: ic.fall_mps) if airborne else max(found, key=lambda ic: ic.slope_mps3)
        if not first_choice.in_gap and self._rest_start_spread_s == 0.0:
            self._ic_to_rest_s.append(self._rest_start_t - first_choice.t)
            self._impact_slopes.append(first_choice.slope_mps3)
        if len(self._ic_to_rest_s) < _RHYTHM_STRIDES:
            return first_choice
        expected = self._rest_start_t - median(self._ic_to_rest_s)
        return min(found, key=lambda ic: self._off_rhythm(ic.t, expected))

    def _off_rhythm(self, t: float, expected: float) -> float:
        """How far ``t`` is from where the rhythm expects it, beyond the foot-flat's own
        uncertainty (a foot-flat that began in a short gap), s."""
        return max(abs(t - expected) - self._rest_start_spread_s, 0.0)

    # ---- toe-off ---------------------------------------------------------------------------

    def _toe_off_in_gap(self, to_t: float, t: np.ndarray) -> float:
        """The toe-off time ``to_t`` found on the rows at times ``t`` (foot-flat's end to the
        first row of the rise), or where the rhythm puts it when that is inside a loss of
        samples longer than ``_LONGEST_EXTRAPOLATION_S`` (the rows after a long loss are no
        guide: the foot's turn across it is unknown)."""
        if not self._stance_has_ic:
            return to_t  # no rhythm from a standing start or a foot-flat that began in a gap
        losses = (t[1:] - t[:-1] > _LONGEST_EXTRAPOLATION_S).nonzero()[0]
        if not len(losses):
            if self._rest_start_spread_s == 0.0:
                self._rest_to_toe_off_s.append(to_t - self._rest_start_t)
            return to_t
        if self._rest_to_toe_off_s:
            expected = self._rest_start_t + median(self._rest_to_toe_off_s)
            reach = self.params.rhythm_tolerance_s
            around = losses[(t[losses] < expected + reach) & (t[losses + 1] > expected - reach)]
            if len(around):
                return float(min(max(expected, t[around[0]]), t[-1]))
        return to_t

    def _contact_lost_in_gap(self, to_t: float) -> list[GaitEvent]:
        """This stance's IC when it was lost in a gap: its usual contact time before TO, kept
        inside the gap; the contact time of a stance with both events measured is remembered."""
        if self._last_ic_t is not None and self._rest_start_spread_s == 0.0:
            self._contact_s.append(to_t - self._last_ic_t)
        if self._ic_lost_in is None or not self._contact_s:
            return []
        lost_from, lost_to = self._ic_lost_in
        ic_t = float(min(max(to_t - median(self._contact_s), lost_from), lost_to))
        self._previous_ic_t = ic_t
        return [GaitEvent(ic_t, self.side, "IC")]

    def _remember_stride(self, ic_t: float) -> None:
        """Remember the time since the last IC when it is one stride."""
        if self._previous_ic_t is not None:
            stride_s = ic_t - self._previous_ic_t
            low, high = (0.0, _MAX_STRIDE_S)
            if self._stride_s:
                usual_s = median(self._stride_s)
                low, high = 0.5 * usual_s, 1.5 * usual_s
            if low < stride_s < high:
                self._stride_s.append(stride_s)
        self._previous_ic_t = ic_t

    def _stances_lost_in_gaps(self, rest_t: float) -> list[GaitEvent]:
        """IC and TO of the strides the foot took, by the rhythm, between the last IC and the
        foot-flat at ``rest_t`` when most of their stance's samples were lost."""
        if self._previous_ic_t is None or len(self._stride_s) < _RHYTHM_STRIDES or not self._contact_s:
            return []
        stride_s, contact_s = median(self._stride_s), median(self._contact_s)
        this_ic_t = rest_t - (median(self._ic_to_rest_s) if self._ic_to_rest_s else 0.0)
        events = []
        ic_t = self._previous_ic_t + stride_s
        while (ic_t < this_ic_t - 0.5 * stride_s and not self._seen_at_rest(ic_t + 0.5 * contact_s)
               and self._mostly_lost(ic_t, ic_t + contact_s)):
            events += [GaitEvent(ic_t, self.side, "IC"), GaitEvent(ic_t + contact_s, self.side, "TO")]
            self._previous_ic_t, ic_t = ic_t, ic_t + stride_s
        return events

    def _seen_at_rest(self, t: float) -> bool:
        """Whether the foot was seen lying still at ``t``: in the last foot-flat, which a stance
        lost in a gap cannot overlap. (Its rows may be forgotten by now, after a long one, a
        turn's or a pause's: without this they would look lost.)"""
        return self._last_rest_t[0] <= t <= self._last_rest_t[1]

    def _mostly_lost(self, from_t: float, to_t: float) -> bool:
        """Whether fewer than half the rows from ``from_t`` to ``to_t`` have a sample."""
        present = self._valid[self._span(self._row_at(from_t), self._row_at(to_t))]
        return present.sum() < 0.5 * (to_t - from_t) * self.rate_hz

    def _gravity_at_rest(self) -> tuple[np.ndarray, int]:
        """Gravity (3,) in the sensor frame, minus what the accelerometer reads over the last
        rows of foot-flat where the foot turns slower than ``still_gyr_rads``, and the last of
        those rows: the foot's turn is counted from there. A slow heel rise (walking) already
        tilts the foot and accelerates the sensor while it still counts as at rest. Without such
        rows, the last rows at rest."""
        p = self.params
        # Rows a live buffer still holds, so live and offline read the same ones.
        first = max(self._rest_first, self._rest_end - self._rows_of(_SEARCH_S), self._first)
        _, acc, _ = self._rows(first, self._rest_end + 1)
        span = self._span(first, self._rest_end + 1)
        rest = self._rest[span]
        still = (rest & (self._speed[span] < p.still_gyr_rads)).nonzero()[0]
        last = int(still[-1]) if len(still) else len(acc) - 1
        use = still if len(still) else rest.nonzero()[0]
        use = use[use > last - self._rows_of(p.min_rest_s)]
        return -(acc[use].sum(axis=0) / len(use)), first + last  # (np.mean's sums, not its cost)

    def _stance_rows(self, first: int, stop: int) -> _StanceRows:
        """Rows [first, stop) with their angular acceleration and gravity (each row's values do
        not depend on the rows asked for with it)."""
        t, acc, gyr, alpha = self._rows_with_alpha(first, stop)
        gravity = np.empty_like(acc)
        gravity[:] = self._rest_gravity
        after = max(self._turn_from, first)
        if self._turn_axis is not None and after < stop:
            _, _, turning = self._rows(self._turn_from, stop)
            since = after - self._turn_from
            gravity[after - first :] = turned_gravity(turning, self.rate_hz, self._rest_gravity, self._turn_axis, since)
        return _StanceRows(first, t, acc, gyr, alpha, gravity)

    def _stance_rows_held(self, first: int, stop: int) -> _StanceRows:
        """``_stance_rows``, read from this push-off's toe-off search when it holds them."""
        search = self._search_in_this_push_off()
        if search is None or first < search.first or stop > search.done:
            return self._stance_rows(first, stop)
        t, acc, gyr = self._rows(first, stop)
        a, b = first - search.first, stop - search.first
        return _StanceRows(first, t, acc, gyr, search.alpha[a:b], search.gravity[a:b])

    def _bootstrap_contact_model(self) -> None:
        """The first stride's turning axis and lever arm, from its own push-off: its turn up to
        the fastest one within ``bootstrap_s`` after foot-flat."""
        stop = self._rest_end + self._rows_of(self.params.bootstrap_s)
        t, _, gyr = self._rows(self._rest_end, stop)
        span = self._span(self._rest_end, stop)
        valid = self._valid[span]
        if valid.sum() < 10:
            return
        self._turn_axis = principal_axis(gyr[valid])
        speed = np.where(valid, self._speed[span], 0.0)
        self._lever_m = self._fit_stance(float(t[np.argmax(speed)]), into_history=False)

    def _remember_stance(self, to_t: float) -> None:
        """Refit the contact model with this stance's rows up to just before its toe-off."""
        self._lever_m = self._fit_stance(to_t - 2.0 / self.rate_hz, into_history=True)
        if self._stances:
            self._turn_axis = principal_axis(np.concatenate([gyr for _, gyr in self._stances]))

    def _fit_stance(self, until_t: float, *, into_history: bool) -> np.ndarray | None:
        """The lever arm fitted on the remembered stances and this one, from ``lever_window_s``
        before ``until_t`` (but not before foot-flat) to ``until_t``; the current one when this
        stance has too few rows."""
        since_t = until_t - self.params.lever_window_s
        if self._rest_start_t is not None:
            since_t = max(since_t, self._rest_start_t)
        first, stop = self._row_at(since_t), self._row_at(until_t) + 1
        _, t, acc, gyr, alpha, gravity = self._stance_rows_held(first, stop)
        keep = self._valid[self._span(first, stop)] & ~np.isnan(alpha).any(axis=1)
        if keep.sum() < 10:
            return self._lever_m
        kept_gyr = gyr[keep]
        stance = (lever_equations(acc[keep] + gravity[keep], kept_gyr, alpha[keep]), kept_gyr)
        if into_history:
            self._stances.append(stance)
        stances = list(self._stances) if into_history else [*self._stances, stance]
        return fit_lever_arm([equations for equations, _ in stances])

    # ---- the row buffer ------------------------------------------------------------------

    @property
    def _end(self) -> int:
        """Absolute row number one past the last buffered row."""
        return self._first + len(self._t)

    def _rows_of(self, seconds: float) -> int:
        return math.ceil(seconds * self.rate_hz - 1e-9)

    def _time(self, row: int) -> float:
        return float(self._t[row - self._first])

    def _row_at(self, t: float) -> int:
        """The first buffered row at or after ``t``."""
        return self._first + int(np.searchsorted(self._t, t - 1e-9))

    def _span(self, first: int, stop: int) -> slice:
        """Where rows [first, stop) are in the buffer's arrays."""
        return slice(max(first - self._first, 0), max(stop - self._first, 0))

    def _rows(self, first: int, stop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        span = self._span(first, stop)
        return self._t[span], self._acc[span], self._gyr[span]

    def _append(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> None:
        """Buffer the rows that came, with their per-row features: written into the storage
        after the rows held, which are not copied (a live update brings a few rows to a buffer
        of hundreds), unless the storage is full."""
        first, held, new = self._end, len(self._t), len(t)
        if self._stored_from + held + new > len(self._storage["_t"]):
            self._move_to_new_storage(held + new + _STORAGE_SLACK_ROWS)
        speed = row_norms(gyr)
        self._write(first, _t=t, _acc=acc, _gyr=gyr, _speed=speed)
        rest, acc_norms = self._rest_of(first, self._end)  # (reads the rows written)
        # A row has a sample where neither norm is NaN: a NaN in a row makes its norm NaN
        # (``valid_rows``, from the norms the rest test has).
        self._write(first, _valid=~np.isnan(acc_norms + speed), _rest=rest)

    def _write(self, first: int, **columns: np.ndarray) -> None:
        """Write rows from row ``first`` on into these buffer columns' storage and make each
        column end with them."""
        at = self._stored_from + first - self._first
        for name, rows in columns.items():
            self._storage[name][at : at + len(rows)] = rows
            setattr(self, name, self._storage[name][self._stored_from : at + len(rows)])

    def _move_to_new_storage(self, rows: int) -> None:
        """The buffered rows, copied to the start of storage for ``rows`` rows."""
        for name in _BUFFER_COLUMNS:
            held = getattr(self, name)
            storage = np.empty((rows, *held.shape[1:]), dtype=held.dtype)
            storage[: len(held)] = held
            self._storage[name] = storage
            setattr(self, name, storage[: len(held)])
        self._stored_from = 0

    def _rows_with_alpha(self, first: int, stop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Rows with their angular acceleration; NaN where a neighbour is lost or not here yet."""
        a, b = first - self._first, min(stop, self._end) - self._first
        lo, hi = max(a - 1, 0), min(b + 1, len(self._t))
        padded = np.full((b - a + 2, 3), np.nan)
        padded[lo - a + 1 : hi - a + 1] = self._gyr[lo:hi]
        alpha = angular_acceleration(padded, self.rate_hz)[1:-1]
        return self._t[a:b], self._acc[a:b], self._gyr[a:b], alpha

    def _forget_old_rows(self) -> None:
        keep_s = _MAX_STRIDE_S + self.params.max_gap_s  # a stance lost in a gap is looked at a stride later
        needed = self._cursor if self._phase is _Phase.SEEK_REST else min(self._cursor, self._rest_end)
        first = max(self._first, min(needed, self._end) - self._rows_of(keep_s))
        drop = first - self._first
        if drop > 0:
            self._t, self._acc, self._gyr = self._t[drop:], self._acc[drop:], self._gyr[drop:]
            self._valid, self._speed, self._rest = self._valid[drop:], self._speed[drop:], self._rest[drop:]
            self._first, self._stored_from = first, self._stored_from + drop
