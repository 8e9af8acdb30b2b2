"""Saturated IMU readings re-drawn before fusion.

A shank sensor in fast forefoot running can exceed the accelerometer's full scale at foot
strike (16 g is the largest range of protocol v1). A clipped sample loses the part of the
impact beyond the full scale, so the stride's mean specific force, which VQF pulls the
inclination towards, is no longer gravity: in the bench's ``fast_forefoot`` seed 2 the left
shank clips in 6.6 % of its samples and its inclination tilts by 10-14 deg. Skipping those
samples is worse (27 deg: the mean then lacks the whole impact). Re-drawing each clipped run
with a cubic spline through the unclipped samples either side, never below the full scale,
brings it back to 2.3 deg, the error of the sensor that does not clip.

A saturated axis reads +32767 or -32768 (PROTOCOL.md), so its value sits at a protocol full
scale. The table does not say which range a sensor runs at, but its readings do: once one has
exceeded a full scale, that is not the sensor's, and its readings at it are not clipped. (At
16 g, running passes 2, 4 and 8 g all the time, and a third of the live steps went to holding
rows for runs that were not clipping at all.) Runs of at least ``_MIN_RUN`` rows count: a
smooth signal passing a full-scale value touches it for one row at most.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from scipy.interpolate import CubicSpline

from anklet.files import ImuTable
from anklet.geometry import GRAVITY_MPS2
from anklet.protocol import ACC_RANGES_G, GYR_RANGES_DPS

if TYPE_CHECKING:
    from anklet.fusion._partner_redraw import PartnerRedraw

ACC_FULL_SCALES_MPS2 = tuple(g * GRAVITY_MPS2 for g in ACC_RANGES_G)
GYR_FULL_SCALES_RADS = tuple(math.radians(dps) for dps in GYR_RANGES_DPS)
CONTEXT_ROWS = 4
"""Unclipped rows either side of a clipped run that the spline passes through."""
_TOLERANCE = 1e-3  # +32767 / 32768 of the full scale, plus the decoder's rounding
_MIN_RUN = 2


def at_full_scale(values: np.ndarray, full_scales: tuple[float, ...], largest_before: float = 0.0) -> np.ndarray:
    """(n, 3) -> (n, 3) bool: readings at one of ``full_scales`` that no reading of the sensor
    up to them has exceeded (``largest_before``: the largest magnitude before these rows). NaN
    never is."""
    magnitude = np.abs(values)
    row_largest = np.fmax.reduce(magnitude, axis=1) if len(values) else np.empty(0)
    largest = np.fmax.accumulate(np.concatenate([[largest_before], row_largest]))[1:]
    found = np.zeros(values.shape, bool)
    for scale in _possible_scales(full_scales, largest_before):
        found |= _near(magnitude, scale) & (largest <= scale * (1.0 + _TOLERANCE))[:, None]
    return found


def _near(magnitude: np.ndarray, scale: float) -> np.ndarray:
    return np.abs(magnitude - scale) <= _TOLERANCE * scale


def _possible_scales(full_scales: tuple[float, ...], largest: float) -> tuple[float, ...]:
    return tuple(scale for scale in full_scales if largest <= scale * (1.0 + _TOLERANCE))


def saturated(at_scale: np.ndarray) -> np.ndarray:
    """The ``at_full_scale`` readings in runs of at least ``_MIN_RUN`` rows, or in a run that
    reaches the last row (it may still grow)."""
    runs = np.zeros(at_scale.shape, bool)
    if not at_scale.any():
        return runs
    for axis in range(at_scale.shape[1]):
        for start, stop in runs_of(at_scale[:, axis]):
            runs[start:stop, axis] = stop - start >= _MIN_RUN or stop == len(at_scale)
    return runs


def declip(values: np.ndarray, clipped: np.ndarray) -> np.ndarray:
    """A copy of (n, 3) ``values`` with each run of ``clipped`` readings re-drawn by a cubic
    spline through up to ``CONTEXT_ROWS`` present, unclipped readings either side; kept at
    least as large as the clipped reading, with its sign. Runs without two readings on each
    side stay as they are."""
    out = values.copy()
    rows = np.arange(len(values))
    for axis in range(values.shape[1]):
        usable = ~clipped[:, axis] & ~np.isnan(values[:, axis])
        for start, stop in runs_of(clipped[:, axis]):
            before = rows[max(0, start - CONTEXT_ROWS) : start][usable[max(0, start - CONTEXT_ROWS) : start]]
            after = rows[stop : stop + CONTEXT_ROWS][usable[stop : stop + CONTEXT_ROWS]]
            if len(before) < 2 or len(after) < 2:
                continue
            known = np.concatenate([before, after])
            drawn = CubicSpline(known, values[known, axis])(rows[start:stop])
            reading = values[start:stop, axis]
            out[start:stop, axis] = np.sign(reading) * np.maximum(np.abs(reading), drawn * np.sign(reading))
    return out


class TableDeclipper:
    """Streaming declipping of every sensor in a grid table.

    ``update(table)`` returns the rows that are final: a clipped run is held back until
    ``CONTEXT_ROWS`` rows after it have arrived (then it is re-drawn), and the rows after it
    wait with it so the table stays in order. When nothing is at full scale the rows pass
    straight through. ``finish()`` releases the rest. However the stream is cut into
    chunks, the output is the same.

    ``redraws`` (sensor name -> ``PartnerRedraw``, from ``partner_redraws(calibration)``)
    re-draws a sensor's clipped accelerometer runs from the other sensor of its leg where it
    can, which the spline under-draws.
    """

    def __init__(self, redraws: Mapping[str, PartnerRedraw] | None = None) -> None:
        self._redraws = dict(redraws or {})
        self._pending: ImuTable | None = None  # rows not released yet
        self._released_tail: ImuTable | None = None  # the last released rows, raw: context
        # which of them were clipped, for the sensors and kinds with any (the rest had none)
        self._released_clipped: dict[tuple[str, str], np.ndarray] = {}
        # (kind, sensor) -> the largest magnitude of the rows before the tail, for ``at_full_scale``
        self._largest: dict[tuple[str, str], float] = {}

    def update(self, table: ImuTable) -> ImuTable:
        if self._pending is None and not self._any_at_full_scale(table):
            self._keep_tail(table)  # the usual case, cheaply: nothing to hold or re-draw
            return table
        pending = table if self._pending is None else ImuTable.concatenate([self._pending, table])
        return self._release(pending, final=False)

    def _any_at_full_scale(self, table: ImuTable) -> bool:
        """Whether any reading may sit at a full scale, each kind in one array pass over the
        scales some sensor of it may still run at (more than ``at_full_scale`` finds, never less)."""
        for kind, columns, scales in self._kinds(table):
            possible = {scale for name in columns for scale in _possible_scales(scales, self._largest.get((kind, name), 0.0))}
            magnitude = np.abs(np.hstack(list(columns.values())))
            if any(_near(magnitude, scale).any() for scale in possible):
                return True
        return False

    def _keep_tail(self, released: ImuTable) -> None:
        """Keep the last rows released, none of them clipped, as context for a later run."""
        n = len(released.t)
        if n >= CONTEXT_ROWS or self._released_tail is None:
            if self._released_tail is not None:
                self._note_largest(self._released_tail)
            self._note_largest(released.rows(slice(0, max(0, n - CONTEXT_ROWS))))
            self._released_tail = released.rows(slice(max(0, n - CONTEXT_ROWS), n))
            self._released_clipped = {}
            return
        tail = ImuTable.concatenate([self._released_tail, released])
        keep = slice(len(tail.t) - CONTEXT_ROWS, len(tail.t))
        self._note_largest(tail.rows(slice(0, keep.start)))
        self._released_tail = tail.rows(keep)
        self._released_clipped = {
            key: np.vstack([mask, np.zeros((n, 3), bool)])[keep] for key, mask in self._released_clipped.items()
        }

    def finish(self) -> ImuTable | None:
        return None if self._pending is None else self._release(self._pending, final=True)

    def _release(self, pending: ImuTable, *, final: bool) -> ImuTable:
        context = 0 if self._released_tail is None else len(self._released_tail.t)
        raw = pending if context == 0 else ImuTable.concatenate([self._released_tail, pending])
        clipped = self._clipped_readings(raw)
        for key, mask in self._released_clipped.items():  # the tail alone may cut a run short
            clipped[key][:context] = mask
        n = len(raw.t)
        ready = n if final else max(context, _rows_ready(list(clipped.values()), n))
        self._pending = None if ready == n else raw.rows(slice(ready, None))
        if ready == context:
            return raw.rows(slice(context, context))  # a run is still open: nothing final yet
        released = raw.rows(slice(context, ready))
        redrawn = {key: mask for key, mask in clipped.items() if mask[context:ready].any()}
        if redrawn:
            # the released runs, each with its context rows on both sides
            near = slice(0, min(n, ready + CONTEXT_ROWS))
            columns = {"acc": dict(released.acc), "gyr": dict(released.gyr)}
            for (kind, name), mask in redrawn.items():
                values = (raw.acc if kind == "acc" else raw.gyr)[name]
                drawn = declip(values[near], mask[near])
                if kind == "acc" and name in self._redraws:
                    drawn = self._redraw_from_partner(raw, clipped, name, near, drawn)
                columns[kind][name] = drawn[context:ready]
            released = ImuTable(released.t, columns["acc"], columns["gyr"])
        tail = slice(max(0, ready - CONTEXT_ROWS), ready)
        self._note_largest(raw.rows(slice(0, tail.start)))
        self._released_tail = raw.rows(tail)
        self._released_clipped = {key: mask[tail] for key, mask in clipped.items() if mask[tail].any()}
        return released


    def _clipped_readings(self, raw: ImuTable) -> dict[tuple[str, str], np.ndarray]:
        """(kind, sensor) -> (n, 3) ``saturated`` mask of ``raw`` (the tail and what follows),
        for the columns with any reading at a full scale."""
        clipped = {}
        for kind, columns, scales in self._kinds(raw):
            for name, values in columns.items():
                at_scale = at_full_scale(values, scales, self._largest.get((kind, name), 0.0))
                if at_scale.any():
                    clipped[kind, name] = saturated(at_scale)
        return clipped

    def _note_largest(self, rows: ImuTable) -> None:
        """Fold rows that leave the tail into ``_largest``, for the sensors that may still run
        at a range below the widest (past it, nothing changes)."""
        if not len(rows.t):
            return
        for kind, columns, scales in self._kinds(rows):
            for name, values in columns.items():
                key = (kind, name)
                if len(_possible_scales(scales, self._largest.get(key, 0.0))) > 1:
                    self._largest[key] = float(np.fmax(self._largest.get(key, 0.0), np.fmax.reduce(np.abs(values), axis=None)))

    @staticmethod
    def _kinds(table: ImuTable) -> tuple[tuple[str, dict[str, np.ndarray], tuple[float, ...]], ...]:
        return (("acc", table.acc, ACC_FULL_SCALES_MPS2), ("gyr", table.gyr, GYR_FULL_SCALES_RADS))

    def _redraw_from_partner(
        self, raw: ImuTable, clipped: dict[tuple[str, str], np.ndarray], name: str, near: slice, drawn: np.ndarray
    ) -> np.ndarray:
        redraw = self._redraws[name]
        partner = redraw.partner.name
        if partner not in raw.acc:
            return drawn
        partner_clipped = clipped.get(("acc", partner), np.zeros(raw.acc[partner].shape, bool))
        return redraw(
            (raw.acc[name][near], raw.gyr[name][near]),
            (raw.acc[partner][near], raw.gyr[partner][near]),
            clipped["acc", name][near],
            partner_clipped[near],
            drawn,
        )


def _rows_ready(clipped_masks: list[np.ndarray], n: int) -> int:
    """Of ``n`` rows, those before the first clipped run that still lacks ``CONTEXT_ROWS``
    rows after it, moved back so that no sensor's run is cut in two (a run is re-drawn in one
    piece)."""
    runs = [run for mask in clipped_masks for run in runs_of(mask.any(axis=1))]
    ready = min([start for start, stop in runs if stop + CONTEXT_ROWS > n], default=n)
    while cut := [start for start, stop in runs if start < ready < stop]:
        ready = min(cut)
    return ready


def runs_of(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of True in a (n,) mask."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))
