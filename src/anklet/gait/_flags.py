"""What every flag stage emits: a flag of one side going up or down, with its evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["FlagChange"]


@dataclass(frozen=True, slots=True)
class FlagChange:
    """A flag of one side went up (``active``) or down at session time ``t`` (s), and why."""

    t: float
    side: str
    flag: str
    active: bool
    evidence: dict[str, Any]

    def to_message(self) -> dict[str, Any]:
        """The ``flag`` message of DESIGN.md."""
        return {"type": "flag", "t": self.t, "side": self.side, "flag": self.flag, "active": self.active,
                "evidence": self.evidence}
