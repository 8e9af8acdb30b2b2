"""A finger tapping a strapped-on sensor: the brief jolt that "tap the sensor" looks for.

A scenario asks for taps in ``[[taps]]`` entries (``t_s``, ``sensor``; optionally ``peak_g`` and
``contact_s``). The finger pushes the housing into the limb along its face normal for
``contact_s`` (a half-sine force); the skin and strap under it act as a damped spring
(``RING_HZ``, ``RING_DAMPING``). So the housing accelerates inward, is stopped and thrown back
by the tissue harder still, and rings a little; within about 50 ms it is at rest where it
began. With the defaults (6 g, 10 ms) the push reaches 3.5 g, the rebound 6 g 10 ms after the
touch, the ringing 1.6 g. The jolt is added to the sensor's specific force only: the tapped
sensor's gyroscope and every other sensor feel nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import signal

from anklet.errors import ValidationError
from anklet.geometry import GRAVITY_MPS2

RING_HZ = 40.0
"""Natural frequency of the housing on skin and strap, Hz."""
RING_DAMPING = 0.5
"""Damping ratio of that spring: soft tissue is heavily damped, so it rings only a little."""
_JOLT_S = 0.15
"""How long after the touch the jolt is computed; the ringing is gone well before, s."""
_STEP_S = 1e-4


@dataclass(frozen=True, slots=True)
class Tap:
    """One tap of a scenario.

    Attributes:
        t_s: when the finger touches the housing, session s.
        sensor: the sensor tapped (``left_shank``, ...).
        peak_g: the largest acceleration of the housing during the tap, g.
        contact_s: how long the finger pushes, s.
    """

    t_s: float
    sensor: str
    peak_g: float = 6.0
    contact_s: float = 0.010


def parse_taps(entries: Any, sensors: Sequence[str], duration_s: float) -> tuple[Tap, ...]:
    """The ``[[taps]]`` entries of a scenario, checked: ValidationError of one sentence for an
    entry that is no table, an unknown key, a sensor the scenario does not have, a time outside
    the session, or a jolt that is no tap (``peak_g`` at most 1 or above 16 g, ``contact_s``
    outside 2-50 ms)."""
    if not isinstance(entries, list):
        raise ValidationError("taps must be a list of [[taps]] entries, each with t_s and sensor")
    known = {"t_s", "sensor", "peak_g", "contact_s"}
    taps = []
    for number, entry in enumerate(entries, start=1):
        where = f"[[taps]] entry {number}"
        if not isinstance(entry, dict) or not {"t_s", "sensor"} <= set(entry) or set(entry) - known:
            raise ValidationError(f"{where} must give t_s and sensor (and may give peak_g, contact_s), nothing else")
        if entry["sensor"] not in sensors:
            raise ValidationError(f"{where} taps {entry['sensor']!r}, which is not among the sensors {', '.join(sensors)}")
        numbers = {key: value for key, value in entry.items() if key != "sensor"}
        if not all(isinstance(value, int | float) and not isinstance(value, bool) for value in numbers.values()):
            raise ValidationError(f"{where}: t_s, peak_g and contact_s must be numbers")
        tap = Tap(sensor=entry["sensor"], **{key: float(value) for key, value in numbers.items()})
        if not 0.0 <= tap.t_s <= duration_s - _JOLT_S:
            raise ValidationError(f"{where} at {tap.t_s:g} s is outside the session (0 to {duration_s - _JOLT_S:g} s)")
        if not (1.0 < tap.peak_g <= 16.0 and 0.002 <= tap.contact_s <= 0.05):
            raise ValidationError(f"{where}: peak_g must be above 1 and at most 16 g, contact_s 0.002-0.05 s")
        taps.append(tap)
    return tuple(taps)


def tap_acceleration(taps: Sequence[Tap], t: np.ndarray) -> np.ndarray:
    """Acceleration of the housing into the limb, along its face normal, at times ``t`` (n,) s:
    (n,) m/s², the sum of every tap's jolt (zero far from any tap)."""
    out = np.zeros(len(t))
    for tap in taps:
        since = t - tap.t_s
        near = (since >= 0.0) & (since < _JOLT_S)
        out[near] += np.interp(since[near], *_jolt(tap.peak_g, tap.contact_s))
    return out


def _jolt(peak_g: float, contact_s: float) -> tuple[np.ndarray, np.ndarray]:
    """One tap's acceleration on a fine grid from the touch on: (times s, m/s²), its largest
    magnitude ``peak_g``. The finger's half-sine push drives the damped spring of the tissue;
    the housing's acceleration is the push less the spring's and the damper's pull."""
    omega = 2.0 * math.pi * RING_HZ
    # state (displacement, velocity); output acceleration = push - omega² x - 2 zeta omega v
    spring = signal.StateSpace(
        [[0.0, 1.0], [-(omega**2), -2.0 * RING_DAMPING * omega]], [[0.0], [1.0]],
        [[-(omega**2), -2.0 * RING_DAMPING * omega]], [[1.0]],
    )
    times = np.arange(0.0, _JOLT_S, _STEP_S)
    push = np.where(times < contact_s, np.sin(np.pi * times / contact_s), 0.0)
    _, acceleration, _ = signal.lsim(spring, push, times)
    return times, acceleration * (peak_g * GRAVITY_MPS2 / np.max(np.abs(acceleration)))
