"""A JSON-friendly view of any payload, for ``anklet protocol decode`` and firmware bring-up."""

from __future__ import annotations

import dataclasses
from typing import Any

from anklet.protocol._constants import INFO_SIZE, STATUS_KIND, STATUS_SIZE
from anklet.protocol._data import decode_packet, raw_samples
from anklet.protocol._info import decode_info
from anklet.protocol._status import decode_status


def describe_packet(payload: bytes | bytearray | memoryview) -> dict[str, Any]:
    """Decode a data packet, status message or info block into plain JSON types.

    Which one is told by shape: 20 bytes with byte 1 = 0x53 is a status message, 34 bytes an
    info block (neither size is a valid data packet), anything else a data packet. Samples
    are given in SI (m/s², rad/s) and as raw counts. Raises ProtocolError if malformed.
    """
    payload = bytes(payload)
    if len(payload) == STATUS_SIZE and payload[1] == STATUS_KIND:
        return {"type": "status", **dataclasses.asdict(decode_status(payload))}
    if len(payload) == INFO_SIZE:
        return {"type": "info", **dataclasses.asdict(decode_info(payload))}
    return _describe_data(payload)


def _describe_data(payload: bytes) -> dict[str, Any]:
    packet = decode_packet(payload)
    raw = raw_samples(payload, packet.n_samples).tolist()
    samples = [
        {
            "tick_us": tick,
            "acc_mps2": acc,
            "gyr_rads": gyr,
            "acc_raw": counts[:3],
            "gyr_raw": counts[3:],
        }
        for tick, acc, gyr, counts in zip(
            packet.sample_tick_us().tolist(),
            packet.acc.tolist(),
            packet.gyr.tolist(),
            raw,
            strict=True,
        )
    ]
    header = {
        field.name: getattr(packet, field.name)
        for field in dataclasses.fields(packet)
        if field.name not in ("acc", "gyr")
    }
    return {"type": "data", **header, "n_samples": packet.n_samples, "samples": samples}
