"""Firmware protocol v1: the bytes sensors send and receive over BLE, and their decoding.

The contract itself is ``firmware_protocol/PROTOCOL.md``. ``decode_packet`` is the live path
(one notification, a few µs); ``decode_packets`` decodes a recording at once. Every decoder
raises ``anklet.errors.ProtocolError`` (with a ``reason`` from ``ERROR_REASONS``) for
malformed input, and nothing else. Encoders, used by the simulator and the tests in place of
firmware, raise ``anklet.errors.ValidationError`` for values v1 cannot carry.
"""

from anklet.protocol._batch import DecodedBatch, decode_packets
from anklet.protocol._command import Command, Opcode, decode_command, encode_command
from anklet.protocol._constants import (
    ACC_RANGES_G,
    BATTERY_UNKNOWN,
    CONTROL_UUID,
    DATA_UUID,
    ERROR_REASONS,
    GYR_RANGES_DPS,
    HEADER_SIZE,
    INFO_SIZE,
    INFO_UUID,
    MAX_SAMPLE_RATE_HZ,
    MAX_SAMPLES_PER_PACKET,
    MIN_SAMPLE_RATE_HZ,
    PROTOCOL_VERSION,
    SAMPLE_SIZE,
    SERVICE_UUID,
    STATUS_SIZE,
    STATUS_UUID,
)
from anklet.protocol._data import DataPacket, decode_packet
from anklet.protocol._describe import describe_packet
from anklet.protocol._encode import encode_packet, encode_packets, quantize_acc, quantize_gyr
from anklet.protocol._info import DeviceInfo, decode_info, encode_info
from anklet.protocol._status import StatusMessage, decode_status, encode_status

__all__ = [
    "ACC_RANGES_G",
    "BATTERY_UNKNOWN",
    "CONTROL_UUID",
    "DATA_UUID",
    "ERROR_REASONS",
    "GYR_RANGES_DPS",
    "HEADER_SIZE",
    "INFO_SIZE",
    "INFO_UUID",
    "MAX_SAMPLES_PER_PACKET",
    "MAX_SAMPLE_RATE_HZ",
    "MIN_SAMPLE_RATE_HZ",
    "PROTOCOL_VERSION",
    "SAMPLE_SIZE",
    "SERVICE_UUID",
    "STATUS_SIZE",
    "STATUS_UUID",
    "Command",
    "DataPacket",
    "DecodedBatch",
    "DeviceInfo",
    "Opcode",
    "StatusMessage",
    "decode_command",
    "decode_info",
    "decode_packet",
    "decode_packets",
    "decode_status",
    "describe_packet",
    "encode_command",
    "encode_info",
    "encode_packet",
    "encode_packets",
    "encode_status",
    "quantize_acc",
    "quantize_gyr",
]

for _name in __all__:
    _object = globals()[_name]
    if hasattr(_object, "__module__") and _object.__module__.startswith("anklet.protocol._"):
        _object.__module__ = __name__
del _name, _object
