"""Faults a virtual peripheral injects on its own side of the radio: which data packets it
withholds, how late it notifies, and when it drops its link.

Unlike ``anklet.sim._ble`` (which computes what a host *would* receive), these faults happen
for real on the virtual link, so the host under test meets them through bleak.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anklet.errors import ValidationError
from anklet.geometry import SENSOR_NAMES
from anklet.sim._ble import LinkParams, _gilbert_elliott
from anklet.sim._session import SimulatedSession, link_params


@dataclass(frozen=True, slots=True)
class PeripheralFaults:
    """What a :class:`VirtualPeripheral` does wrong, deterministically per ``seed``.

    Times are session seconds from the first data packet (the stream start), paced by the
    peripheral's ``speed`` like everything it plays.

    Attributes:
        loss_prob: probability a data packet is withheld on its own (never notified).
        burst_enter_prob: per-packet probability of entering a loss burst (Gilbert-Elliott:
            every data packet in a burst is withheld).
        mean_burst_len: mean data packets per burst.
        jitter_mean_s: mean of an exponential extra delay before each notification, s; order
            is kept (a notification never overtakes the one before it).
        disconnect_at_s: (start_s, duration_s) windows: at ``start_s`` the peripheral drops its
            link and stops advertising for ``duration_s``; its firmware keeps sampling, so the
            packets of the window are lost; then it advertises again and notifies current
            packets once the host has subscribed again.
        seed: seeds the loss and jitter draws.

    Status notifications are never withheld; jitter delays them like data packets.
    """

    loss_prob: float = 0.0
    burst_enter_prob: float = 0.0
    mean_burst_len: float = 8.0
    jitter_mean_s: float = 0.0
    disconnect_at_s: tuple[tuple[float, float], ...] = ()
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("loss_prob", "burst_enter_prob"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValidationError(f"{name} is {getattr(self, name)}; it must be in [0, 1]")
        if self.mean_burst_len < 1.0:
            raise ValidationError(f"mean_burst_len is {self.mean_burst_len}; it must be at least 1")
        if self.jitter_mean_s < 0.0:
            raise ValidationError(f"jitter_mean_s is {self.jitter_mean_s}; it must be at least 0 s")
        if any(len(window) != 2 or window[0] < 0.0 or window[1] <= 0.0 for window in self.disconnect_at_s):
            raise ValidationError(
                "each disconnect_at_s window is (start_s, duration_s) with start_s >= 0 and duration_s > 0"
            )
        ends = [start + duration for start, duration in sorted(self.disconnect_at_s)]
        starts = sorted(start for start, _ in self.disconnect_at_s)
        if any(start < end for start, end in zip(starts[1:], ends, strict=False)):
            raise ValidationError("disconnect_at_s windows must not overlap")

    def withheld(self, n_packets: int, rng: np.random.Generator) -> np.ndarray:
        """(n_packets,) bool: data packets to withhold, random or in bursts."""
        burst = _gilbert_elliott(n_packets, self.burst_enter_prob, self.mean_burst_len, rng)
        return burst | (rng.random(n_packets) < self.loss_prob)

    def delayed(self, due_s: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """``due_s`` (sorted, s) plus exponential jitter, still non-decreasing."""
        if self.jitter_mean_s == 0.0:
            return due_s
        return np.maximum.accumulate(due_s + rng.exponential(self.jitter_mean_s, len(due_s)))


def scenario_faults(session: SimulatedSession) -> dict[str, PeripheralFaults]:
    """Per sensor, the faults its scenario's ``[link]`` asks for, for ``VirtualFleet``: the
    random and burst loss, the disconnect windows, and the host delivery jitter beyond the
    default model's (which stands for the delay the real stack, bleak and BlueZ, adds by
    itself). Not carried over: duplicates and reordering (BLE delivers each notification
    once, in order) and host stalls (the host's own). Seeded by the session's seed."""
    default_jitter_s = LinkParams().host_jitter_mean_s
    faults = {}
    for name in session.sensors:
        link = link_params(session.scenario, name)
        faults[name] = PeripheralFaults(
            loss_prob=link.loss_prob,
            burst_enter_prob=link.burst_enter_prob,
            mean_burst_len=link.mean_burst_len,
            jitter_mean_s=max(0.0, link.host_jitter_mean_s - default_jitter_s),
            disconnect_at_s=tuple((start_s, duration_s) for start_s, duration_s in link.disconnects if duration_s > 0),
            seed=session.seed * len(SENSOR_NAMES) + SENSOR_NAMES.index(name),
        )
    return faults
