"""The ``restricted_df`` flag of squats and split squats: per side, over its last reps, with
hysteresis so that it does not flicker, and with the reps that decided it as evidence."""

from __future__ import annotations

from collections.abc import Iterable

from anklet.gait._athlete import AthleteProfile
from anklet.gait._flags import FlagChange
from anklet.gait._squat import Rep, restricted_df_threshold_key

__all__ = ["RestrictedDfFlag"]

_EVIDENCE_FIELDS = ("start_t", "bottom_t", "end_t", "max_dorsiflexion_deg", "restricted_df")


class RestrictedDfFlag:
    """``restricted_df`` per side from that side's reps, in the order they complete.

    From the ``restricted_df_min_reps``-th rep of a side on, the flag looks at its last
    ``restricted_df_window_reps`` reps: it goes up when more than ``raise_fraction`` of them
    are restricted and down only when at most ``clear_fraction`` are (the athlete profile's
    thresholds). The change is dated at the end of the rep that decided it.

    Attributes
    ----------
    active_
        Per side seen so far, whether the flag is up.
    changes_
        Every change so far.
    """

    def __init__(self, athlete: AthleteProfile, *, exercise: str = "squat") -> None:
        self.athlete = athlete
        self._threshold_key = restricted_df_threshold_key(exercise)
        self.reset()

    def reset(self) -> None:
        self._recent: dict[str, list[Rep]] = {}  # per side, its last reps (the window)
        self._counted: dict[str, int] = {}  # per side, reps so far
        self.active_: dict[str, bool] = {}
        self.changes_: list[FlagChange] = []

    def update(self, reps: Iterable[Rep]) -> list[FlagChange]:
        """Flag changes caused by these reps (in the order they completed)."""
        changes = [change for rep in reps if (change := self._add(rep)) is not None]
        self.changes_.extend(changes)
        return changes

    def _add(self, rep: Rep) -> FlagChange | None:
        th = self.athlete.thresholds
        recent = self._recent.setdefault(rep.side, [])
        recent.append(rep)
        del recent[: -th.restricted_df_window_reps]
        self._counted[rep.side] = self._counted.get(rep.side, 0) + 1
        active = self.active_.setdefault(rep.side, False)
        if self._counted[rep.side] < th.restricted_df_min_reps:
            return None
        restricted = sum(r.restricted_df for r in recent)
        if not active and restricted > th.restricted_df_raise_fraction * len(recent):
            return self._change(rep, recent, True)
        if active and restricted <= th.restricted_df_clear_fraction * len(recent):
            return self._change(rep, recent, False)
        return None

    def _change(self, rep: Rep, recent: list[Rep], active: bool) -> FlagChange:
        self.active_[rep.side] = active
        evidence = {
            "threshold_deg": getattr(self.athlete.thresholds, self._threshold_key),
            "threshold_source": self.athlete.sources[self._threshold_key],
            "restricted_reps": sum(r.restricted_df for r in recent),
            "window_reps": len(recent),
            "reps": [
                {name: getattr(r, name) for name in _EVIDENCE_FIELDS} for r in recent
            ],
        }
        return FlagChange(rep.end_t, rep.side, "restricted_df", active, evidence)
