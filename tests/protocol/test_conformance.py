"""The golden vectors in firmware_protocol/vectors.json agree with the C header and with anklet.

The C conformance program is compiled with the system C compiler into a temporary directory;
the vectors' fields are fed to it one line each on stdin (see conformance.c for the format).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from anklet.errors import ProtocolError
from anklet.protocol import (
    ACC_RANGES_G,
    GYR_RANGES_DPS,
    Command,
    DeviceInfo,
    Opcode,
    StatusMessage,
    decode_command,
    decode_info,
    decode_packet,
    decode_status,
    encode_command,
    encode_info,
    encode_packet,
    encode_status,
)

FIRMWARE = Path(__file__).resolve().parents[2] / "firmware_protocol"
VECTORS = json.loads((FIRMWARE / "vectors.json").read_text())
DECODERS = {
    "data": decode_packet,
    "status": decode_status,
    "info": decode_info,
    "command": decode_command,
}
C_ERRORS = {
    "truncated": -1,
    "length_mismatch": -2,
    "bad_opcode": -3,
    "bad_rate": -4,
    "bad_range": -5,
}
"""ANKLET_ERR_* of anklet_protocol.h by reason."""


def _data_line(vector: dict) -> str:
    f = vector["fields"]
    samples = np.concatenate((f["acc_raw"], f["gyr_raw"]), axis=1).ravel().tolist()
    fields = [
        f["sequence"],
        f["tick_us"],
        f["sample_rate_hz"],
        ACC_RANGES_G.index(f["acc_range_g"]),
        GYR_RANGES_DPS.index(f["gyr_range_dps"]),
        int(f["clock_reset"]),
        int(f["fifo_overflow"]),
        len(f["acc_raw"]),
        *samples,
    ]
    return " ".join(map(str, ["data", vector["name"], *fields]))


def _status_line(vector: dict) -> str:
    f = vector["fields"]
    flags = f["charging"] | f["streaming"] << 1 | f["low_battery"] << 2
    fields = [
        f["last_sequence"],
        f["tick_us"],
        f["sample_rate_hz"],
        ACC_RANGES_G.index(f["acc_range_g"]),
        GYR_RANGES_DPS.index(f["gyr_range_dps"]),
        255 if f["battery_pct"] is None else f["battery_pct"],
        flags,
        round(f["temperature_c"] * 100),
        f["dropped_samples_total"],
    ]
    return " ".join(map(str, ["status", vector["name"], *fields]))


def _info_line(vector: dict) -> str:
    texts = [
        vector["fields"][key] or "-" for key in ("serial", "hardware_revision", "firmware_revision")
    ]
    return " ".join(["info", vector["name"], *texts])


@pytest.fixture(scope="module")
def conformance(tmp_path_factory) -> dict[str, str]:
    """Compile and run conformance.c on every vector; its output line by vector name."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler (cc or gcc) on PATH")
    binary = tmp_path_factory.mktemp("conformance") / "conformance"
    subprocess.run(
        [
            compiler,
            "-std=c99",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            f"-I{FIRMWARE}",
            str(FIRMWARE / "conformance.c"),
            "-o",
            str(binary),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    lines = [_data_line(v) for v in VECTORS["data"]]
    lines += [_status_line(v) for v in VECTORS["status"]]
    lines += [_info_line(v) for v in VECTORS["info"]]
    lines += [f"command {v['name']} {v['hex'] or '-'}" for v in VECTORS["command"]]
    lines += [
        f"command {v['name']} {v['hex'] or '-'}"
        for v in VECTORS["invalid"]
        if v["message"] == "command"
    ]
    run = subprocess.run(
        [binary], input="\n".join(lines) + "\n", capture_output=True, text=True, check=True
    )
    return dict(line.split(" ", 1) for line in run.stdout.splitlines())


def _names(kind: str) -> list[str]:
    return [vector["name"] for vector in VECTORS[kind]]


def _vector(kind: str, name: str) -> dict:
    return next(vector for vector in VECTORS[kind] if vector["name"] == name)


def test_vector_names_are_unique():
    names = [
        v["name"]
        for kind in ("data", "status", "info", "command", "invalid")
        for v in VECTORS[kind]
    ]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name", _names("data"))
def test_data_vector(name, conformance):
    vector = _vector("data", name)
    fields, decoded = vector["fields"], vector["decoded"]
    assert conformance[name] == vector["hex"]
    assert encode_packet(**fields).hex() == vector["hex"]
    packet = decode_packet(bytes.fromhex(vector["hex"]))
    for key in (
        "sequence",
        "tick_us",
        "sample_rate_hz",
        "acc_range_g",
        "gyr_range_dps",
        "clock_reset",
        "fifo_overflow",
    ):
        assert getattr(packet, key) == fields[key], key
    np.testing.assert_allclose(packet.acc, decoded["acc_mps2"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(packet.gyr, decoded["gyr_rads"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(
        packet.sample_tick_us(), decoded["sample_tick_us"], rtol=0, atol=1e-6
    )


@pytest.mark.parametrize("name", _names("status"))
def test_status_vector(name, conformance):
    vector = _vector("status", name)
    status = StatusMessage(**vector["fields"])
    assert conformance[name] == vector["hex"]
    assert encode_status(status).hex() == vector["hex"]
    assert decode_status(bytes.fromhex(vector["hex"])) == status


@pytest.mark.parametrize("name", _names("info"))
def test_info_vector(name, conformance):
    vector = _vector("info", name)
    info = DeviceInfo(**vector["fields"])
    assert conformance[name] == vector["hex"]
    assert encode_info(info).hex() == vector["hex"]
    assert decode_info(bytes.fromhex(vector["hex"])) == info


@pytest.mark.parametrize("name", _names("command"))
def test_command_vector(name, conformance):
    vector = _vector("command", name)
    fields = dict(vector["fields"], opcode=Opcode[vector["fields"]["opcode"]])
    assert encode_command(**fields).hex() == vector["hex"]
    command = decode_command(bytes.fromhex(vector["hex"]))
    assert command == Command(**fields)
    codes = [
        0 if command.sample_rate_hz is None else command.sample_rate_hz,
        0 if command.acc_range_g is None else ACC_RANGES_G.index(command.acc_range_g),
        0 if command.gyr_range_dps is None else GYR_RANGES_DPS.index(command.gyr_range_dps),
    ]
    assert conformance[name] == " ".join(map(str, [int(command.opcode), *codes]))


@pytest.mark.parametrize("name", _names("invalid"))
def test_invalid_vector_is_refused_with_its_reason(name, conformance):
    vector = _vector("invalid", name)
    with pytest.raises(ProtocolError) as excinfo:
        DECODERS[vector["message"]](bytes.fromhex(vector["hex"]))
    assert excinfo.value.reason == vector["reason"]
    if vector["message"] == "command":
        assert conformance[name] == f"error {C_ERRORS[vector['reason']]}"


def test_vectors_cover_every_range_and_flag():
    fields = [v["fields"] for v in VECTORS["data"]]
    assert {f["acc_range_g"] for f in fields} == set(ACC_RANGES_G)
    assert {f["gyr_range_dps"] for f in fields} == set(GYR_RANGES_DPS)
    assert any(f["clock_reset"] for f in fields) and any(f["fifo_overflow"] for f in fields)
    assert {len(f["acc_raw"]) for f in fields} >= {1, 2, 19}
