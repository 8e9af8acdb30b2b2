"""Which sensor plays which role, found by tapping them in turn ("tap the left shank sensor").

:class:`RoleAssignment` asks for the roles in :data:`ROLES` order, as many as there are
sensors, and gives each the first sensor :class:`TapIdentifier` sees tapped that has no role
yet. It is fed every data notification of the sensors being assigned, named by serial: the
assigned ones too, so that a stomp (which jolts them all) picks nobody and a tap on a sensor
that already has its role is seen and reported rather than silently missed. It keeps time on
the notifications' host clock; the caller reports what it returns (nothing here prints).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from anklet.errors import TransportError, ValidationError
from anklet.transport._notification import Notification
from anklet.transport._roles import ROLES, SessionConfig, _key, _valid_identifier
from anklet.transport._tap import TapIdentifier, TapParams


@dataclass(frozen=True, slots=True)
class Assigned:
    """Sensor ``serial`` was tapped when ``role`` was asked for, and now plays it."""

    role: str
    serial: str

    def __str__(self) -> str:
        return f"{self.serial} -> {self.role}"


@dataclass(frozen=True, slots=True)
class AlreadyAssigned:
    """Sensor ``serial``, which already plays ``role``, was tapped again; nothing changed."""

    serial: str
    role: str

    def __str__(self) -> str:
        return f"{self.serial} is already the {_spoken(self.role)} (tap ignored)"


class NotTappedError(TransportError):
    """No sensor without a role was tapped within ``timeout_s`` of asking for ``role``."""

    def __init__(self, role: str, timeout_s: float) -> None:
        super().__init__(
            f"no tap on the {_spoken(role)} sensor within {timeout_s:g} s; tap its housing once, "
            "sharply, while the athlete stands still"
        )
        self.role = role
        self.timeout_s = timeout_s


def _spoken(role: str) -> str:
    """``left_shank`` as a person says it: ``left shank``."""
    return role.replace("_", " ")


class RoleAssignment:
    """Tap-the-sensor assignment of ``serials`` (serials or BLE addresses) to roles.

    Parameters
    ----------
    serials
        The sensors to assign, 1 to 4 of them, as the transport names them.
    timeout_s
        How long each role may wait for its tap, s of host time.
    tap
        What counts as a tap (:class:`TapParams`).

    Attributes
    ----------
    roles
        The roles asked for, in order: the first ``len(serials)`` of :data:`ROLES`.
    assigned_
        Role -> serial, so far.
    """

    def __init__(self, serials: Sequence[str], *, timeout_s: float = 30.0, tap: TapParams | None = None) -> None:
        _check_serials(serials)
        self.serials = tuple(serials)
        self.timeout_s = timeout_s
        self.roles = ROLES[: len(serials)]
        self.assigned_: dict[str, str] = {}
        self._identifier = TapIdentifier(tap)
        self._asked_s: float | None = None  # host time the current role was asked for

    @property
    def asking(self) -> str | None:
        """The role waiting for its tap; None once every role has its sensor."""
        return self.roles[len(self.assigned_)] if len(self.assigned_) < len(self.roles) else None

    @property
    def prompt(self) -> str | None:
        """What to tell the user while a role waits (``tap the left shank sensor``); None once done."""
        return None if self.asking is None else f"tap the {_spoken(self.asking)} sensor"

    @property
    def deadline_s(self) -> float | None:
        """Host time by which the role asked must be tapped; None before :meth:`begin` or the
        first notification, and once done."""
        return None if self._asked_s is None or self.asking is None else self._asked_s + self.timeout_s

    def begin(self, now_s: float) -> None:
        """Start the clock of the role asked: the user has just been told to tap."""
        self._asked_s = now_s

    def update(self, notification: Notification) -> Assigned | AlreadyAssigned | None:
        """Take one notification; the step it completed, if any.

        Raises NotTappedError when the notification comes after the role's deadline.
        Notifications other than data, from other sensors, or after the last role are ignored.
        """
        if notification.channel != "data" or notification.sensor not in self.serials or self.asking is None:
            return None
        now_s = notification.host_time_s
        if self._asked_s is None:
            self._asked_s = now_s
        if now_s > self._asked_s + self.timeout_s:
            self.time_out()
        serial = self._identifier.update(notification.sensor, notification.payload, now_s)
        if serial is None:
            return None
        for role, assigned in self.assigned_.items():
            if assigned == serial:
                return AlreadyAssigned(serial, role)
        role = self.asking
        self.assigned_[role] = serial
        self._asked_s = now_s
        return Assigned(role, serial)

    def time_out(self) -> None:
        """The role asked was not tapped in time (the caller's clock says so): raise NotTappedError."""
        raise NotTappedError(str(self.asking), self.timeout_s)

    def config(self, *, station: str = "", athlete: str = "") -> SessionConfig:
        """The session config of the roles assigned so far."""
        return SessionConfig.of(self.assigned_, station=station, athlete=athlete, source="the assignment")


def _check_serials(serials: Sequence[str]) -> None:
    if not 1 <= len(serials) <= len(ROLES):
        raise ValidationError(f"give 1 to {len(ROLES)} sensors to assign, one per role ({', '.join(ROLES)}), not {len(serials)}")
    seen = set()
    for serial in serials:
        if not _valid_identifier(serial):
            raise ValidationError(
                f"{serial!r} is neither a serial (1-16 printable characters, as `anklet scan` lists them) "
                "nor a BLE address like \"C0:A1:E9:00:00:01\""
            )
        if _key(serial) in seen:
            raise ValidationError(f"sensor {serial!r} is given twice; name each sensor once")
        seen.add(_key(serial))


def session_config_toml(config: SessionConfig) -> str:
    """``config`` as a session config TOML that :func:`load_session_config` reads back."""
    lines = [
        "# Session config written by `anklet assign`: each sensor has the role it was tapped for.",
        "# calibration/session.example.toml explains every line.",
        f"station = {_toml_string(config.station)}",
        f"athlete = {_toml_string(config.athlete)}",
        "",
        "[sensors]",
        *(f"{role} = {_toml_string(config.sensors[role])}" for role in config.roles),
    ]
    return "\n".join(lines) + "\n"


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, but TOML wants DEL escaped too."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")
