"""Strides of a live session, each as soon as it is known, the same as the offline ones.

A stride of one foot is known once three things have come: its next IC (its end), the
angles up to that end (they lag the rows: calibration holds them for the first ~20 s, then
they catch up), and the other foot's landing after its TO (for the flight time). Each foot
reports its events in time order, so the other foot's first IC after the TO settles that;
a foot that has gone silent (stopped, or its sensor lost) for ``STRIDE_TIME_S[1]`` after
the stride's end settles it too. The stride itself is :func:`stride_between`, the
computation ``strides_from_events`` runs offline, and strides come out by IC time, as
offline, so the flags see them in the same order.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping

import numpy as np

from anklet.files import ImuTable
from anklet.gait._foot_events import GaitEvent
from anklet.gait._strides import STRIDE_TIME_S, Stride, dorsiflexion_deg, other_side, stride_between
from anklet.geometry import SIDES
from anklet.pipeline import AngleChunk

__all__ = ["StrideBuilder"]


class StrideBuilder:
    """Strides from gait events and angle chunks fed in time order.

    ``on_rows(rows, events)`` takes the grid rows just released and the events they brought,
    ``on_angles(chunk)`` the next angles; both return the strides now known, by IC time.
    ``finish()`` returns the rest once the stream has ended. ``restricted_pf_to_deg`` holds
    the flag stage's threshold per gait, as in ``strides_from_events``.
    """

    def __init__(self, restricted_pf_to_deg: Mapping[str, float] | None = None) -> None:
        self.restricted_pf_to_deg = restricted_pf_to_deg
        self.reset()

    def reset(self) -> None:
        self._times: dict[tuple[str, str], list[float]] = {(side, kind): [] for side in SIDES for kind in ("IC", "TO")}
        self._pending: list[tuple[float, str, float]] = []  # (IC, side, next IC) by IC time
        self._feet: set[str] = set()  # sides whose foot sensor is in the rows
        self._rows_until_s = -math.inf
        self._angles = AngleChunk(np.empty(0), {})  # from a little before the oldest stride that may still come
        self._angles_until_s = -math.inf

    def on_rows(self, rows: ImuTable, events: Iterable[GaitEvent]) -> list[Stride]:
        self._feet |= {side for side in SIDES if f"{side}_foot" in rows.acc}
        if len(rows.t):  # (each sensor's rows come on their own, the laggard's after the others)
            self._rows_until_s = max(self._rows_until_s, float(rows.t[-1]))
        for event in events:
            if event.event in ("IC", "TO"):
                times = self._times[event.side, event.event]
                if event.event == "IC" and times:
                    bisect.insort(self._pending, (times[-1], event.side, event.t))
                times.append(event.t)
        return self._known(finishing=False)

    def on_angles(self, chunk: AngleChunk) -> list[Stride]:
        if len(chunk):
            self._angles = AngleChunk(
                np.concatenate([self._angles.t, chunk.t]),
                {side: np.vstack([self._angles.angles[side], a]) if side in self._angles.angles else a
                 for side, a in chunk.angles.items()},
            )
            self._angles_until_s = float(chunk.t[-1])
        return self._known(finishing=False)

    def finish(self) -> list[Stride]:
        return self._known(finishing=True)

    def _known(self, *, finishing: bool) -> list[Stride]:
        strides = []
        read: dict[str, tuple] = {}  # per side, what its strides read (nothing changes it until _forget_old)
        while self._pending and (finishing or self._is_known(*self._pending[0])):
            ic_t, side, end_t = self._pending.pop(0)
            if side not in read:
                read[side] = (np.array(self._times[side, "TO"]), np.array(self._times[other_side(side), "IC"]),
                              dorsiflexion_deg(self._angles, side))
            stride = stride_between(side, ic_t, end_t, *read[side], self.restricted_pf_to_deg)
            if stride is not None:
                strides.append(stride)
        self._forget_old()
        return strides

    def _is_known(self, ic_t: float, side: str, end_t: float) -> bool:
        if self._angles_until_s < end_t:
            return False
        tos, other = self._times[side, "TO"], other_side(side)
        to_index = bisect.bisect_right(tos, ic_t)
        if to_index == len(tos) or tos[to_index] >= end_t:
            return True  # no TO in it: no stride
        other_ics = self._times[other, "IC"]
        landed_after_to = bool(other_ics) and other_ics[-1] > tos[to_index]
        silent = self._rows_until_s >= end_t + STRIDE_TIME_S[1]
        return other not in self._feet or landed_after_to or silent

    def _forget_old(self) -> None:
        """Drop what no stride still to come can reach: events and angles older than the
        longest stride before the oldest IC a stride may still start from."""
        starts = [ics[-1] for (_, kind), ics in self._times.items() if kind == "IC" and ics]
        starts += [ic_t for ic_t, _, _ in self._pending[:1]]
        if not starts:
            return
        horizon = min(starts) - STRIDE_TIME_S[1]
        for times in self._times.values():
            del times[: bisect.bisect_left(times, horizon)]
        first = int(np.searchsorted(self._angles.t, horizon))
        if first:
            self._angles = AngleChunk(self._angles.t[first:], {side: a[first:] for side, a in self._angles.angles.items()})
