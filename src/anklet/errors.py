"""Every error anklet raises on purpose, as one tree.

    AnkletError                 root: the CLI prints its message as one sentence, exits non-zero
    ├── BrokerError             the MQTT broker refuses anklet (credentials, TLS) or cannot be reached
    ├── ProtocolError           a packet from sensor firmware breaks protocol v1 (has .reason)
    ├── TransportError          the sensors cannot be reached or refuse the session
    └── ValidationError         user input (file, scenario, option) is not what it must be
"""


class AnkletError(Exception):
    """Root of anklet's errors; its message is one sentence meant for the user."""


class BrokerError(AnkletError):
    """The MQTT broker refuses anklet (wrong credentials, not authorised, a TLS certificate it
    cannot verify) or cannot be reached when a command needs it. Its message never holds a
    password."""


class ProtocolError(AnkletError):
    """A packet does not follow the firmware protocol.

    ``reason`` is a short machine-readable tag, one of ``anklet.protocol.ERROR_REASONS``
    (``truncated``, ``unknown_version``, ``length_mismatch``, ...), or ``not_hex`` from the CLI.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{detail} ({reason})")
        self.reason = reason


class TransportError(AnkletError):
    """The sensors cannot be reached or refuse the session: one missing from the scan, a
    connection that fails, firmware speaking a protocol version this anklet does not know."""


class ValidationError(AnkletError):
    """Input given by the user (a file, a scenario, an option) cannot be used as it is."""
