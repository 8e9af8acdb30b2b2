"""Transports: where raw sensor notifications come from (virtual sensors, BLE), and which
sensor plays which role (a session config, or tapping the sensors in turn)."""

from anklet.transport._assign import AlreadyAssigned, Assigned, NotTappedError, RoleAssignment, session_config_toml
from anklet.transport._base import Transport
from anklet.transport._bleak import BleakTransport, FoundSensor, scan_sensors
from anklet.transport._notification import Channel, Notification
from anklet.transport._roles import ROLES, SessionConfig, load_session_config
from anklet.transport._supervisor import ConnectParams
from anklet.transport._tap import TapIdentifier, TapParams

__all__ = [
    "ROLES",
    "AlreadyAssigned",
    "Assigned",
    "BleakTransport",
    "Channel",
    "ConnectParams",
    "FoundSensor",
    "NotTappedError",
    "Notification",
    "RoleAssignment",
    "SessionConfig",
    "TapIdentifier",
    "TapParams",
    "Transport",
    "load_session_config",
    "scan_sensors",
    "session_config_toml",
]
