"""The running flags, per side, from strides in the order they complete:

- ``restricted_pf``: the ankle does not extend at toe-off. At least ``running_flag_fraction``
  of the side's last ``running_flag_window_strides`` strides reach less plantarflexion at TO
  than the threshold of their gait (``restricted_pf_to_deg`` running,
  ``restricted_pf_to_walking_deg`` walking: a normal walker's toe-off sits at the running
  one); it clears only when at most ``running_flag_clear_fraction`` do.
- ``asymmetry``: the medians of the two sides' TO angles over their windows differ by more
  than ``asymmetry_deg``; raised on the less plantarflexed side, cleared below
  ``asymmetry_clear_deg``.
- ``worsening``: a side's median TO angle over its window has lost more than ``worsening_deg``
  of plantarflexion since its first full window of that gait (fatigue); cleared below
  ``worsening_clear_deg``.

A stride's gait is its duty factor's (``stride_gait``), decided stride by stride. Walking
takes the ankle less far than running, so ``asymmetry`` and ``worsening`` compare the TO
angles of the new stride's gait only: the window's strides of that gait, once they fill at
least half of it (after a change of gait the flags keep their state until then; a stride
whose misplaced event gave it the other gait cannot stop them).

Thresholds come from the athlete profile (calibration/athletes/default.toml, with sources).
The gaps between raise and clear levels are the hysteresis that keeps a flag from flickering
on a borderline stride, and a flag that changed keeps its state for a whole window of that
side's strides. Every change carries its evidence: the strides of the window(s) and
the figures compared.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from anklet.gait._athlete import RESTRICTED_PF_KEYS, AthleteProfile
from anklet.gait._flags import FlagChange
from anklet.gait._strides import stride_gait

__all__ = ["RunningFlags"]


class _Stride(Protocol):
    side: str
    ic_t: float
    to_t: float
    end_t: float
    ankle_angle_at_to_deg: float


class RunningFlags:
    """``update(strides)`` -> the flag changes they cause. ``active_[(side, flag)]`` says
    which flags are up; ``changes_`` keeps every change so far."""

    def __init__(self, athlete: AthleteProfile) -> None:
        self.thresholds = athlete.thresholds
        self.sources = athlete.sources
        self._windows: dict[str, list[_Stride]] = {}
        self._gaits: dict[str, list[str]] = {}  # each window stride's gait, decided once
        self._baseline_deg: dict[tuple[str, str], float] = {}  # (side, gait): median TO angle of its first full window
        self.active_: dict[tuple[str, str], bool] = {}
        self._strides_seen: dict[str, int] = {}
        self._changed_at: dict[tuple[str, str], int] = {}  # strides seen on its side at the last change
        self.changes_: list[FlagChange] = []

    def update(self, strides: Iterable[_Stride]) -> list[FlagChange]:
        changes = []
        for stride in strides:
            changes += self._add(stride)
        self.changes_ += changes
        return changes

    def _add(self, stride: _Stride) -> list[FlagChange]:
        th = self.thresholds
        if math.isnan(stride.ankle_angle_at_to_deg):
            return []  # no angle at this toe-off (a sensor's samples lost): it cannot count
        self._strides_seen[stride.side] = self._strides_seen.get(stride.side, 0) + 1
        window, gaits = self._windows.setdefault(stride.side, []), self._gaits.setdefault(stride.side, [])
        window.append(stride)
        gaits.append(_gait(stride))
        del window[: -th.running_flag_window_strides], gaits[: -th.running_flag_window_strides]
        if len(window) < th.running_flag_window_strides:
            return []
        changes = [self._restricted_pf(stride), self._worsening(stride), *self._asymmetry(stride)]
        return [change for change in changes if change is not None]

    def _restricted_pf(self, stride: _Stride) -> FlagChange | None:
        th = self.thresholds
        window, gaits = self._windows[stride.side], self._gaits[stride.side]
        limits = th.restricted_pf_to_deg_by_gait
        restricted = sum(s.ankle_angle_at_to_deg > limits[gait] for s, gait in zip(window, gaits)) / len(window)

        def evidence() -> dict[str, Any]:
            applied = dict.fromkeys(gaits)
            return {
                "strides": self._stride_evidence(window, gaits),
                "restricted_fraction": restricted,
                "threshold_deg": {gait: limits[gait] for gait in applied},
                "threshold_source": {gait: self.sources[RESTRICTED_PF_KEYS[gait]] for gait in applied},
            }

        return self._set(
            stride.side, "restricted_pf", stride.to_t, evidence,
            raise_=restricted >= th.running_flag_fraction, clear=restricted <= th.running_flag_clear_fraction,
        )

    def _worsening(self, stride: _Stride) -> FlagChange | None:
        th = self.thresholds
        gait = self._gaits[stride.side][-1]
        same = self._of_gait(stride.side, gait)
        if same is None:
            return None
        median = _median_to_deg(same)
        baseline = self._baseline_deg.setdefault((stride.side, gait), median)
        lost = median - baseline  # up = less plantarflexion at TO

        def evidence() -> dict[str, Any]:
            return {
                "strides": self._stride_evidence(same, [gait] * len(same)),
                "gait": gait,
                "median_to_deg": median,
                "baseline_to_deg": baseline,
                "lost_deg": lost,
                "threshold_deg": th.worsening_deg,
            }

        return self._set(
            stride.side, "worsening", stride.to_t, evidence,
            raise_=lost > th.worsening_deg, clear=lost < th.worsening_clear_deg,
        )

    def _asymmetry(self, stride: _Stride) -> list[FlagChange | None]:
        th = self.thresholds
        gait = self._gaits[stride.side][-1]
        left, right = (self._of_gait(side, gait) for side in ("left", "right"))
        if left is None or right is None:
            return []
        medians = {"left": _median_to_deg(left), "right": _median_to_deg(right)}
        difference = abs(medians["left"] - medians["right"])
        stiffer = max(medians, key=medians.__getitem__)  # less plantarflexed at TO
        other = "left" if stiffer == "right" else "right"

        def evidence() -> dict[str, Any]:
            return {
                "gait": gait,
                "median_to_deg": medians,
                "difference_deg": difference,
                "threshold_deg": th.asymmetry_deg,
                "strides": {"left": self._stride_evidence(left, [gait] * len(left)),
                            "right": self._stride_evidence(right, [gait] * len(right))},
            }

        return [
            self._set(other, "asymmetry", stride.to_t, evidence, raise_=False, clear=True),  # the sides swapped
            self._set(
                stiffer, "asymmetry", stride.to_t, evidence,
                raise_=difference > th.asymmetry_deg, clear=difference < th.asymmetry_clear_deg,
            ),
        ]

    def _set(
        self, side: str, flag: str, t: float, evidence: Callable[[], dict[str, Any]], *, raise_: bool, clear: bool
    ) -> FlagChange | None:
        """The change of ``flag`` on ``side``, if any; ``evidence`` is built only for a change
        (most strides change nothing)."""
        key = (side, flag)
        active = self.active_.get(key, False)
        held = self._strides_seen[side] - self._changed_at.get(key, -self.thresholds.running_flag_window_strides)
        if held < self.thresholds.running_flag_window_strides or not ((active and clear) or (not active and raise_)):
            return None
        self.active_[key] = not active
        self._changed_at[key] = self._strides_seen[side]
        return FlagChange(t, side, flag, not active, evidence())

    def _of_gait(self, side: str, gait: str) -> list[_Stride] | None:
        """``side``'s window strides of ``gait`` when the window is full and they fill at least
        half of it, else None (too few to compare)."""
        size = self.thresholds.running_flag_window_strides
        window, gaits = self._windows.get(side, []), self._gaits.get(side, [])
        same = [s for s, its_gait in zip(window, gaits) if its_gait == gait]
        return same if len(window) >= size and 2 * len(same) >= size else None

    def _stride_evidence(self, strides: list[_Stride], gaits: list[str]) -> list[dict[str, Any]]:
        """Each stride's times, TO angle, gait and the ``restricted_pf`` threshold of that gait."""
        thresholds = self.thresholds.restricted_pf_to_deg_by_gait
        return [
            {"ic_t": s.ic_t, "to_t": s.to_t, "ankle_angle_at_to_deg": s.ankle_angle_at_to_deg,
             "gait": gait, "threshold_deg": thresholds[gait]}
            for s, gait in zip(strides, gaits, strict=True)
        ]


def _gait(stride: _Stride) -> str:
    return stride_gait(stride.ic_t, stride.to_t, stride.end_t)


def _median_to_deg(window: list[_Stride]) -> float:
    return statistics.median(s.ankle_angle_at_to_deg for s in window)
