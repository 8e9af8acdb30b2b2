""""Tap the sensor": which of several streaming sensors did the user just tap?

The rule (TapParams): a tap is a short jolt. One sensor's acceleration magnitude |acc| rises
above ``spike_g`` (3 g) for at most ``max_spike_s`` (50 ms) and drops back, while every other
streaming sensor stays quiet — its |acc| within ``quiet_g`` (1 g) of gravity — for
``window_s`` (0.3 s) either side of the tap's arrival. A stomp or a jump jolts every sensor
at once, walking keeps them all moving, and a strap being pulled tight is slower than 50 ms:
none of those pick a sensor. The decision waits until ``window_s`` of host time has passed
after the tap, so it comes about 0.3 s late.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from anklet.errors import ProtocolError
from anklet.geometry import GRAVITY_MPS2
from anklet.protocol import decode_packet


@dataclass(frozen=True, slots=True)
class TapParams:
    """``spike_g``: |acc| a tap exceeds, g; ``max_spike_s``: longest a tap stays above it, s;
    ``quiet_g``: how far from 1 g the other sensors' |acc| may stray meanwhile, g;
    ``window_s``: host time either side of the tap in which the others must stay quiet, s."""

    spike_g: float = 3.0
    max_spike_s: float = 0.05
    quiet_g: float = 1.0
    window_s: float = 0.3


@dataclass
class _SensorState:
    next_tick_us: float = -1.0  # where the next packet should start if none is lost
    open_run_s: float = 0.0  # length of a spike still above the threshold at the packet's end
    peaks: deque[tuple[float, float]] = field(default_factory=deque)  # (host time, largest ||acc| - 1 g| in g)


class TapIdentifier:
    """Feed it the raw data notifications of every sensor being assigned, those that already
    have a role too (``RoleAssignment`` does): a stomp then jolts them all and picks none, and
    a tap on an assigned sensor is seen rather than missed.

    ``update(serial, payload, host_time_s)`` returns the serial of a tap it has just made out
    (once per tap), else None. ``taps_`` lists every tap found as (host time, serial);
    ``malformed_`` counts payloads that did not decode (ignored).
    """

    def __init__(self, params: TapParams | None = None) -> None:
        self.params = params or TapParams()
        self.taps_: list[tuple[float, str]] = []
        self.malformed_ = 0
        self._sensors: dict[str, _SensorState] = {}
        self._candidates: deque[tuple[float, str]] = deque()  # spikes waiting for their window to pass

    def update(self, serial: str, payload: bytes, host_time_s: float) -> str | None:
        try:
            packet = decode_packet(payload)
        except ProtocolError:
            self.malformed_ += 1
            return None
        state = self._sensors.setdefault(serial, _SensorState())
        magnitude_g = np.linalg.norm(packet.acc, axis=1) / GRAVITY_MPS2
        state.peaks.append((host_time_s, float(np.max(np.abs(magnitude_g - 1.0)))))
        while state.peaks[0][0] < host_time_s - 3 * self.params.window_s:
            state.peaks.popleft()
        if self._short_spike(state, packet.tick_us, float(packet.sample_rate_hz), magnitude_g):
            self._candidates.append((host_time_s, serial))
        return self._decide(host_time_s)

    def _short_spike(self, state: _SensorState, tick_us: int, rate_hz: float, magnitude_g: np.ndarray) -> bool:
        """Whether a spike of at most ``max_spike_s`` ended in this packet (one may span packets)."""
        period_s = 1.0 / rate_hz
        if tick_us != round(state.next_tick_us):
            state.open_run_s = 0.0  # packets were lost: a spike's length is unknown
        state.next_tick_us = (tick_us + len(magnitude_g) * period_s * 1e6) % 2**32
        above = magnitude_g > self.params.spike_g
        ended = False
        for high in above.tolist():  # at most 19 samples a packet
            if high:
                state.open_run_s += period_s
            elif state.open_run_s > 0.0:
                ended = ended or state.open_run_s <= self.params.max_spike_s + 1e-9
                state.open_run_s = 0.0
        return ended

    def _decide(self, now_s: float) -> str | None:
        """The oldest spike whose window has passed, if the other sensors stayed quiet around it."""
        window_s = self.params.window_s
        while self._candidates and self._candidates[0][0] + window_s <= now_s:
            tap_s, serial = self._candidates.popleft()
            if self.taps_ and self.taps_[-1][1] == serial and tap_s - self.taps_[-1][0] < window_s:
                continue  # the same tap ringing on
            if all(self._quiet(state, tap_s) for other, state in self._sensors.items() if other != serial):
                self.taps_.append((tap_s, serial))
                return serial
        return None

    def _quiet(self, state: _SensorState, tap_s: float) -> bool:
        window_s = self.params.window_s
        return all(peak_g <= self.params.quiet_g for t, peak_g in state.peaks if abs(t - tap_s) <= window_s)
