"""Flag badges: one block per flag a view watches, red and bold when it is up, dim when not;
two or three lines tall on a large screen so that they read from across a room."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

__all__ = ["FLAG_LABELS", "FlagBadges"]

FLAG_LABELS = {
    "restricted_pf": "EXTENSION",
    "asymmetry": "ASYMMETRY",
    "worsening": "WORSENING",
    "restricted_df": "DORSIFLEXION",
}
"""What each flag's badge says: the motion that is short (restricted plantarflexion at
toe-off is the seed's "extension"), or how the sides compare."""


class FlagBadges(Horizontal):
    """A row of badges for ``flags`` (names of ``FLAG_LABELS``)."""

    DEFAULT_CSS = "FlagBadges { height: auto; }"

    def __init__(self, flags: Iterable[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.flags = tuple(flags)

    def compose(self) -> ComposeResult:
        for flag in self.flags:
            yield Static(FLAG_LABELS[flag], classes=f"badge badge-{flag}")

    def show(self, active: Iterable[str]) -> None:
        up = set(active)
        for flag, badge in zip(self.flags, self.query(".badge"), strict=True):
            badge.set_class(flag in up, "-up")
