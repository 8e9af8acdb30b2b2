"""The device info block on the info characteristic: serial number and revisions."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from anklet.errors import ProtocolError, ValidationError
from anklet.protocol._constants import INFO_SIZE, PROTOCOL_VERSION
from anklet.protocol._header import check_version

_INFO_STRUCT = struct.Struct("<BB16s8s8s")
assert _INFO_STRUCT.size == INFO_SIZE


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """What a sensor says about itself: printable ASCII, at most 16, 8 and 8 characters."""

    serial: str
    hardware_revision: str
    firmware_revision: str


def decode_info(payload: bytes | bytearray | memoryview) -> DeviceInfo:
    """Decode an info block; bytes after the 34 of v1 are ignored (room for later fields).

    Raises ProtocolError if the block breaks v1.
    """
    payload = bytes(payload)
    check_version(payload, "info block")
    if len(payload) < INFO_SIZE:
        raise ProtocolError("truncated", f"info block is {len(payload)} bytes; v1 has {INFO_SIZE}")
    _, reserved, serial, hardware, firmware = _INFO_STRUCT.unpack_from(payload)
    if reserved:
        raise ProtocolError("reserved_bits", f"info block byte 1 is 0x{reserved:02x}, not 0")
    return DeviceInfo(
        serial=_text(serial, "serial"),
        hardware_revision=_text(hardware, "hardware revision"),
        firmware_revision=_text(firmware, "firmware revision"),
    )


def _text(field: bytes, name: str) -> str:
    """A NUL-padded printable-ASCII field as str."""
    text, _, padding = field.partition(b"\0")
    if padding.strip(b"\0") or not all(0x20 <= byte < 0x7F for byte in text):
        raise ProtocolError(
            "bad_text", f"info block {name} {field!r} is not NUL-padded printable ASCII"
        )
    return text.decode("ascii")


def encode_info(info: DeviceInfo) -> bytes:
    """The 34-byte info block for ``info``; ValidationError if a text is too long or not ASCII."""
    fields = []
    for name, text, size in (
        ("serial", info.serial, 16),
        ("hardware_revision", info.hardware_revision, 8),
        ("firmware_revision", info.firmware_revision, 8),
    ):
        if len(text) > size or not all(" " <= char <= "~" for char in text):
            raise ValidationError(
                f"{name} {text!r} must be at most {size} printable ASCII characters"
            )
        fields.append(text.encode("ascii"))
    return _INFO_STRUCT.pack(PROTOCOL_VERSION, 0, *fields)
