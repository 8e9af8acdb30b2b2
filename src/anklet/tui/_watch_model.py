"""What the multi-station view knows: one :class:`AthleteState` (the coach view's own) per
station and athlete a broker carries, whether that station is online, and its publisher's
counters, from the messages ``anklet.mqtt.broker_messages`` decodes (each names its
``station`` and ``athlete``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from anklet.tui._model import AthleteState

__all__ = ["WatchModel", "WatchedAthlete"]


@dataclass
class WatchedAthlete:
    """One athlete at one station: the coach view's state, ``online`` as the station's last
    status said (its will says offline when it vanishes), and its publisher's counters."""

    station: str
    athlete: str
    state: AthleteState
    online: bool = True
    publisher: dict[str, int] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return self.station, self.athlete


class WatchModel:
    """Every athlete of the feed, in the order they first appeared. ``version`` grows with every
    message, so the view redraws only when something changed; ``ended`` once the feed is over."""

    def __init__(self) -> None:
        self.athletes: dict[tuple[str, str], WatchedAthlete] = {}
        self.version = 0
        self.ended = False

    def handle(self, message: dict[str, Any]) -> None:
        key = (message["station"], message["athlete"])
        watched = self.athletes.get(key)
        if watched is None:
            watched = self.athletes[key] = WatchedAthlete(*key, AthleteState(message["athlete"]))
        if message["type"] == "status":
            watched.online = message.get("state", "online") != "offline"
            watched.publisher = message.get("mqtt", watched.publisher)
        if "t" in message:  # all but a will, which knows no session time
            watched.state.handle(message)
        self.version += 1

    def end(self) -> None:
        self.ended = True
        self.version += 1
