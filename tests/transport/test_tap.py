"""Tap identification on synthesized samples: four sensors standing still, one of them tapped."""

import numpy as np
import pytest

from anklet.geometry import GRAVITY_MPS2
from anklet.protocol import encode_packets, quantize_acc, quantize_gyr
from anklet.transport import TapIdentifier

RATE_HZ = 200
PER_PACKET = 4
SERIALS = ("AK000001", "AK000002", "AK000003", "AK000004")


def _standing(rng: np.random.Generator, duration_s: float) -> tuple[np.ndarray, np.ndarray]:
    """(n, 3) acc and gyr of a sensor at rest in a random orientation, with sensor noise."""
    n = round(duration_s * RATE_HZ)
    down = rng.normal(size=3)
    acc = np.tile(down / np.linalg.norm(down) * GRAVITY_MPS2, (n, 1)) + rng.normal(0, 0.05, (n, 3))
    return acc, rng.normal(0, 0.01, (n, 3))


def _jolt(acc: np.ndarray, at_s: float, length_s: float, peak_g: float, rng: np.random.Generator) -> None:
    """Add a half-sine of ``peak_g`` lasting ``length_s`` along a random axis, in place."""
    start, n = round(at_s * RATE_HZ), max(1, round(length_s * RATE_HZ))
    axis = rng.normal(size=3)
    shape = np.sin(np.pi * (np.arange(n) + 0.5) / n)
    acc[start : start + n] += np.outer(shape, axis / np.linalg.norm(axis) * peak_g * GRAVITY_MPS2)


def _notifications(acc_by_serial: dict[str, np.ndarray], gyr_by_serial: dict[str, np.ndarray], rng):
    """Every sensor's packets as (host time, serial, payload), in arrival order."""
    arrivals = []
    for serial, acc in acc_by_serial.items():
        starts = np.arange(0, len(acc), PER_PACKET)
        counts = np.minimum(PER_PACKET, len(acc) - starts)
        tick0 = int(rng.integers(0, 2**31))
        payloads = encode_packets(
            quantize_acc(acc, 16), quantize_gyr(gyr_by_serial[serial], 2000), starts=starts, counts=counts,
            sequences=np.arange(len(starts)) % 65536, ticks_us=tick0 + starts * (10**6 // RATE_HZ), sample_rate_hz=RATE_HZ,
        )
        for start, count, payload in zip(starts, counts, payloads, strict=True):
            arrival = (start + count) / RATE_HZ + rng.uniform(0.002, 0.03)
            arrivals.append((arrival, serial, payload))
    return sorted(arrivals)


def _session(tapped: dict[str, tuple[float, float, float]], seed: int = 0, duration_s: float = 3.0):
    """Four still sensors; ``tapped`` maps serial -> (at_s, length_s, peak_g) jolts."""
    rng = np.random.default_rng(seed)
    acc, gyr = {}, {}
    for serial in SERIALS:
        acc[serial], gyr[serial] = _standing(rng, duration_s)
    for serial, (at_s, length_s, peak_g) in tapped.items():
        _jolt(acc[serial], at_s, length_s, peak_g, rng)
    return _notifications(acc, gyr, rng)


def _run(notifications) -> tuple[TapIdentifier, list[tuple[float, str]]]:
    identifier = TapIdentifier()
    found = []
    for host_time_s, serial, payload in notifications:
        if (tapped := identifier.update(serial, payload, host_time_s)) is not None:
            found.append((host_time_s, tapped))
    return identifier, found


@pytest.mark.parametrize("seed", range(4))
def test_a_tap_on_one_sensor_names_it_once(seed):
    serial = SERIALS[seed % len(SERIALS)]
    identifier, found = _run(_session({serial: (1.2, 0.02, 6.0)}, seed=seed))
    assert [name for _, name in found] == [serial]
    assert 1.2 + 0.3 <= found[0][0] <= 1.2 + 0.4  # decided once the quiet window has passed
    assert identifier.taps_[0][1] == serial and identifier.malformed_ == 0


def test_still_sensors_name_nobody():
    assert _run(_session({}))[1] == []


def test_a_stomp_that_jolts_every_sensor_names_nobody():
    assert _run(_session({serial: (1.2, 0.02, 6.0) for serial in SERIALS}))[1] == []


def test_a_slow_push_above_the_threshold_is_no_tap():
    assert _run(_session({"AK000002": (1.2, 0.25, 5.0)}))[1] == []


def test_a_weak_knock_is_no_tap():
    assert _run(_session({"AK000002": (1.2, 0.02, 1.5)}))[1] == []


def test_two_taps_in_turn_name_both():
    notifications = _session({"AK000003": (0.8, 0.02, 6.0)}, seed=5) + [
        (t + 3.0, serial, payload) for t, serial, payload in _session({"AK000001": (0.8, 0.02, 6.0)}, seed=6)
    ]
    assert [name for _, name in _run(notifications)[1]] == ["AK000003", "AK000001"]


def test_malformed_payloads_are_counted_and_ignored():
    identifier = TapIdentifier()
    assert identifier.update("AK000001", b"\x07garbage", 0.1) is None
    assert identifier.malformed_ == 1
