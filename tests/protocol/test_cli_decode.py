"""``anklet protocol decode HEX`` prints the packet as JSON, or one sentence and exit code 1."""

from __future__ import annotations

import json

import numpy as np

from anklet.cli import main
from anklet.protocol import encode_packet


def test_decode_prints_the_packet_as_json(capsys):
    payload = encode_packet(
        sequence=300,
        tick_us=5_000,
        sample_rate_hz=100,
        acc_raw=np.array([[0, 0, 2048]]),
        gyr_raw=np.array([[16, 0, -16]]),
    )
    spaced = " ".join(f"{byte:02x}" for byte in payload)
    assert main(["protocol", "decode", spaced]) == 0
    decoded = json.loads(capsys.readouterr().out)
    assert decoded["sequence"] == 300
    assert decoded["samples"][0]["acc_raw"] == [0, 0, 2048]
    assert decoded["samples"][0]["acc_mps2"][2] == 9.80665


def test_bad_hex_is_one_line_on_stderr(capsys):
    assert main(["protocol", "decode", "01 2"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1


def test_malformed_packet_is_one_line_naming_the_reason(capsys):
    assert main(["protocol", "decode", "03" + "00" * 23]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "update anklet" in err and "unknown_version" in err
