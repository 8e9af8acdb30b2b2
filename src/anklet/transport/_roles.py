"""The session config: which sensor plays which role (``left_shank``, ...), read from TOML.

A sensor is named by its serial (what it advertises as its local name and reports in its info
block) or by its BLE address. The config is the allowlist of the BLE host: a device that is
not in it is never connected. ``calibration/session.example.toml`` is a documented example.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anklet.errors import ValidationError

ROLES = ("left_shank", "left_foot", "right_shank", "right_foot")
"""Every role a sensor can play (DESIGN.md's sensor names)."""

_ADDRESS = re.compile(r"[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}")
_SERIAL_CHARS = 16
"""The info block's serial field (PROTOCOL.md)."""


def is_address(identifier: str) -> bool:
    """Whether ``identifier`` is a BLE address (``C0:A1:E9:00:00:01``) rather than a serial."""
    return _ADDRESS.fullmatch(identifier) is not None


@dataclass(frozen=True, slots=True)
class SessionConfig:
    """Who is measured where, and with which sensors.

    ``sensors`` maps each role used (any subset of :data:`ROLES`) to the sensor's serial or
    address; ``station`` and ``athlete`` are free labels for messages and recordings. Build
    one with :meth:`of` (validates) or :func:`load_session_config`. The constructor itself
    checks nothing: ``SessionConfig({serial: serial, ...})`` names sensors that have no role
    yet by their serials (tap identification).
    """

    sensors: dict[str, str]
    station: str = ""
    athlete: str = ""
    _by_identifier: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # addresses compare case-insensitively (BlueZ upper-cases them, users may not)
        object.__setattr__(self, "_by_identifier", {_key(ident): role for role, ident in self.sensors.items()})

    @classmethod
    def of(cls, sensors: Mapping[str, Any], *, station: str = "", athlete: str = "", source: str = "the session") -> SessionConfig:
        """A validated config; ValidationError (naming ``source``) for an unknown role, a
        duplicate sensor, or a value that is neither a serial nor an address."""
        if not isinstance(sensors, Mapping) or not sensors:
            raise ValidationError(f"{source} must list at least one sensor under [sensors] (role = \"serial or address\")")
        seen: dict[str, str] = {}
        for role, identifier in sensors.items():
            if role not in ROLES:
                raise ValidationError(f"{source} names an unknown role {role!r}; roles are {', '.join(ROLES)}")
            if not _valid_identifier(identifier):
                raise ValidationError(
                    f"{source} gives {role} = {identifier!r}; it must be a serial (1-{_SERIAL_CHARS} printable "
                    "characters) or a BLE address like \"C0:A1:E9:00:00:01\""
                )
            if (other := seen.get(_key(identifier))) is not None:
                raise ValidationError(f"{source} gives the same sensor {identifier!r} to both {other} and {role}")
            seen[_key(identifier)] = role
        for label, value in (("station", station), ("athlete", athlete)):
            if not isinstance(value, str):
                raise ValidationError(f"{source}: {label} must be a text, not {value!r}")
        return cls(dict(sensors), station, athlete)

    @property
    def roles(self) -> list[str]:
        """The roles in use, in :data:`ROLES` order (names that are no role, such as serials, left out)."""
        return [role for role in ROLES if role in self.sensors]

    def role_of(self, *, name: str | None, address: str) -> str | None:
        """The role of the device advertising ``name`` at ``address``, or None if it is not ours."""
        if name and (role := self._by_identifier.get(_key(name))) is not None:
            return role
        return self._by_identifier.get(_key(address))


def load_session_config(path: str | Path) -> SessionConfig:
    """Read a session config TOML (``station``, ``athlete``, ``[sensors]``); ValidationError if
    the file is missing, is not TOML, or does not describe a session."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError(f"session config {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"session config {path} cannot be read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"session config {path} is not valid TOML: {exc}") from exc
    unknown = sorted(set(document) - {"station", "athlete", "sensors", "mqtt"})  # [mqtt]: anklet.cli._publish reads it
    if unknown:
        raise ValidationError(f"session config {path} has unknown keys {', '.join(unknown)}; it knows station, athlete, [sensors], [mqtt]")
    return SessionConfig.of(
        document.get("sensors", {}),
        station=document.get("station", ""),
        athlete=document.get("athlete", ""),
        source=f"session config {path}",
    )


def _valid_identifier(identifier: object) -> bool:
    return isinstance(identifier, str) and (
        is_address(identifier) or 0 < len(identifier) <= _SERIAL_CHARS and identifier.isascii() and identifier.isprintable() and identifier.strip() == identifier
    )


def _key(identifier: str) -> str:
    return identifier.upper() if is_address(identifier) else identifier
