"""What the guided mobility tests share: the phases ready -> hold -> result, the assessments
they emit (dicts with the simulator's ``truth.assessments`` keys) and the flag a failed test
raises, with the assessment as its evidence.

Every test is fed angle chunks in time order (``update``), live or from a recording, and
``finish()`` ends it; both return the assessments completed. ``instructions`` is the text
a screen shows in the current phase, paraphrased from the seed articles.
"""

from __future__ import annotations

from typing import Any

from anklet.gait._athlete import AthleteProfile
from anklet.gait._flags import FlagChange
from anklet.gait._squat import Rep

__all__ = ["PHASES", "GuidedTest"]

PHASES = ("ready", "hold", "result")
"""``ready``: waiting for the athlete to start; ``hold``: the test is under way; ``result``:
an assessment is out (for one side, or, once the test is over, for all)."""


class GuidedTest:
    """Phase, assessments and flags of one guided test; subclasses add ``update``/``finish``.

    Attributes
    ----------
    phase_
        One of :data:`PHASES`.
    side_
        The side being tested, when the test takes one side at a time (else None).
    assessments_
        Every assessment so far: ``{"test": ..., "side": ..., ..., "passed": ..., "t": ...}``
        with ``t`` the session time it was decided, s.
    flags_
        The flags raised by failed assessments.
    reps_
        The reps the test has counted (none in a test that holds a position).
    """

    test = ""
    instruction_texts: dict[str, str] = {}
    params_type: type = object

    def __init__(self, rate_hz: float, athlete: AthleteProfile, params: Any = None) -> None:
        """``rate_hz``: the angle grid's rate, Hz; ``athlete``: body size and thresholds;
        ``params``: the test's tunables (``params_type``, its defaults when None)."""
        self.rate_hz = rate_hz
        self.athlete = athlete
        self.params = params or self.params_type()
        self.reset()

    def reset(self) -> None:
        self.phase_ = "ready"
        self.side_: str | None = None
        self.assessments_: list[dict[str, Any]] = []
        self.flags_: list[FlagChange] = []

    @property
    def reps_(self) -> list[Rep]:
        return []

    @property
    def instructions(self) -> str:
        """What the athlete should do now (or what the result means)."""
        return self.instruction_texts[self.phase_].format(**self._instruction_values())

    def _instruction_values(self) -> dict[str, Any]:
        return {}

    def _assessed(self, assessment: dict[str, Any], flag: str, evidence: dict[str, Any]) -> dict[str, Any]:
        """Record ``assessment`` (keys after ``test``); a failed one raises ``flag``."""
        assessment = {"test": self.test, **assessment}
        self.assessments_.append(assessment)
        if not assessment["passed"]:
            self.flags_.append(FlagChange(assessment["t"], assessment["side"], flag, True, {**assessment, **evidence}))
        return assessment
