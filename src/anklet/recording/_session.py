"""What a recording says about its session, besides the notifications."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from anklet import __version__
from anklet.errors import ValidationError
from anklet.gait import AthleteProfile, FlagThresholds
from anklet.recording._compact import SampleSteps
from anklet.recording._format import FORMAT_NAME, FORMAT_VERSION, LOSSLESS_FORMAT_VERSION


class Mark(NamedTuple):
    """A moment the coach marked: session time ``t`` (s) and the athlete's name."""

    t: float
    athlete: str


@dataclass(frozen=True)
class SessionInfo:
    """The session a recording holds: enough to run it again the same way.

    Attributes
    ----------
    sensors
        The sensors (roles) in the order the live pipeline was given them.
    activity
        What the athlete did (``anklet.gait.ACTIVITIES``), as the gait stage was told.
    athlete
        The profile the session was judged by.
    sample_rate_hz
        The sensors' common sample rate, Hz.
    title
        The session's name (a scenario's, a config's station); ``source`` how it was made
        (``demo``, ``live``, ``replay of ...``).
    sensor_info
        Per sensor, what the transport knew when it connected (serial, address, firmware...).
    created_utc
        When the session started, ISO 8601.
    sample_steps
        A compact recording's steps (its samples rounded, ``_compact``); None for a lossless one.
    """

    sensors: tuple[str, ...]
    activity: str
    athlete: AthleteProfile
    sample_rate_hz: float
    title: str = ""
    source: str = ""
    sensor_info: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    created_utc: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    sample_steps: SampleSteps | None = None

    def to_metadata(self, channels: Mapping[int, str]) -> dict[str, str]:
        """The ``anklet.session`` metadata record's values (strings, as MCAP wants)."""
        major, minor = LOSSLESS_FORMAT_VERSION if self.sample_steps is None else FORMAT_VERSION
        compact = {} if self.sample_steps is None else {"sample_steps": json.dumps(list(self.sample_steps))}
        return {
            "format": FORMAT_NAME,
            "format_version": f"{major}.{minor}",
            "anklet_version": __version__,
            "created_utc": self.created_utc,
            "source": self.source,
            "title": self.title,
            "activity": self.activity,
            "sample_rate_hz": repr(float(self.sample_rate_hz)),
            "sensors": json.dumps(list(self.sensors)),
            "sensor_info": json.dumps(self.sensor_info, default=str),
            "athlete": json.dumps(dataclasses.asdict(self.athlete)),
            "channels": json.dumps({str(key): topic for key, topic in channels.items()}),
            **compact,
        }

    @classmethod
    def from_metadata(cls, values: Mapping[str, str], name: str) -> SessionInfo:
        """The session of a recording's ``anklet.session`` record; ``name`` (the file) is for
        the error's sentence when a value is not what this format version writes."""
        try:
            athlete = json.loads(values["athlete"])
            profile = AthleteProfile(
                athlete["name"], athlete["height_m"], athlete["shank_length_m"],
                FlagThresholds(**athlete["thresholds"]), athlete["sources"],
            )
            return cls(
                sensors=tuple(json.loads(values["sensors"])),
                activity=values["activity"],
                athlete=profile,
                sample_rate_hz=float(values["sample_rate_hz"]),
                title=values.get("title", ""),
                source=values.get("source", ""),
                sensor_info=json.loads(values.get("sensor_info", "{}")),
                created_utc=values.get("created_utc", ""),
                sample_steps=_sample_steps(values["sample_steps"]) if "sample_steps" in values else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationError(f"{name}: its session description is damaged ({type(exc).__name__}: {exc})") from None


def _sample_steps(text: str) -> SampleSteps:
    acc, gyr = json.loads(text)
    if not (isinstance(acc, int) and isinstance(gyr, int) and 1 <= min(acc, gyr) and max(acc, gyr) < 2**16):
        raise ValueError(f"sample steps {text} are not two counts from 1 to 65535")
    return SampleSteps(acc, gyr)


def channel_map(values: Mapping[str, str]) -> dict[int, str]:
    """Channel id -> topic, as the session record lists them (empty when it cannot be read)."""
    try:
        return {int(key): str(topic) for key, topic in json.loads(values.get("channels", "{}")).items()}
    except (ValueError, AttributeError):
        return {}
