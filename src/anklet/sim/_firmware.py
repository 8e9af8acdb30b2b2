"""Sensor firmware emulation: the sensor clock, packet batching, reboots and status messages.

The firmware stamps samples with its own free-running microsecond clock (offset and drift
against the session's true time axis), batches them into protocol v1 data packets that close
when full (19 samples) or when their oldest sample has waited ``flush_deadline_s``, and
notifies a status message (battery, temperature, a time-sync tick) every ``status_period_s``.
A reboot restarts the clock near 0 and the sequence at 0, loses the packet being filled, and
leaves a gap of ``boot_duration_s`` without samples; the first packet after it carries
CLOCK_RESET.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from anklet.errors import ValidationError
from anklet.protocol import (
    MAX_SAMPLE_RATE_HZ,
    MAX_SAMPLES_PER_PACKET,
    MIN_SAMPLE_RATE_HZ,
    StatusMessage,
    encode_packets,
    encode_status,
    quantize_acc,
    quantize_gyr,
)
from anklet.sim._imu import ImuSamples

TICK_WRAP = 2**32
"""The sensor clock field wraps here, µs."""
SEQUENCE_WRAP = 2**16
"""Packet sequence numbers wrap here."""
LOW_BATTERY_PCT = 20
"""Below this charge the firmware sets the low-battery status flag, %."""
MAX_CLOCK_DRIFT_PPM = 1000.0
"""Largest crystal rate error a scenario may ask for, ppm (real crystals: ±20-100)."""


@dataclass(frozen=True, slots=True)
class SensorClock:
    """A sensor's free-running microsecond clock against true (session) time.

    tick_us(t) = offset_us + t · 1e6 · (1 + drift_ppm · 1e-6), unwrapped; packets carry it
    modulo 2**32.

    Attributes:
        offset_us: clock reading at true time 0, µs.
        drift_ppm: rate error of the crystal, parts per million (positive: runs fast).
    """

    offset_us: float
    drift_ppm: float

    @classmethod
    def random(
        cls, rng: np.random.Generator, drift_sd_ppm: float = 20.0, *, drift_ppm: float | None = None
    ) -> SensorClock:
        """A clock with an arbitrary offset and a crystal drift of SD ``drift_sd_ppm``, or,
        when ``drift_ppm`` is given, a drift of exactly that size, fast or slow at random."""
        offset_us = float(rng.uniform(0.0, TICK_WRAP))
        if drift_ppm is None:
            return cls(offset_us, float(rng.normal(0.0, drift_sd_ppm)))
        return cls(offset_us, float(drift_ppm if rng.random() < 0.5 else -drift_ppm))

    @property
    def _us_per_s(self) -> float:
        return 1e6 * (1.0 + self.drift_ppm * 1e-6)

    def tick_us(self, true_time_s: np.ndarray | float) -> np.ndarray:
        """Clock reading at ``true_time_s`` (s, any shape), µs, unwrapped float64."""
        return self.offset_us + np.asarray(true_time_s, dtype=np.float64) * self._us_per_s

    def true_time_s(self, tick_us: np.ndarray | float) -> np.ndarray:
        """True time at which the clock reads ``tick_us`` (unwrapped µs, any shape), s."""
        return (np.asarray(tick_us, dtype=np.float64) - self.offset_us) / self._us_per_s

    def sample_times(self, duration_s: float, rate_hz: float) -> np.ndarray:
        """True times (m,) s in [0, duration_s) at which the clock reads tick_us(0) + k·1e6/rate."""
        period_s = 1e6 / rate_hz / self._us_per_s
        return np.arange(math.ceil(duration_s / period_s)) * period_s


def typical_battery_drain_pct_per_h(sample_rate_hz: float) -> float:
    """Battery drain of a small wearable streaming at ``sample_rate_hz``, %/h.

    About 4 %/h for the radio and MCU plus 6 %/h per kHz of IMU sampling and packets (≈10 %/h
    at 1 kHz).
    """
    return 4.0 + 6.0 * sample_rate_hz / 1000.0


@dataclass(frozen=True, slots=True)
class FirmwareParams:
    """How one sensor's firmware is configured and what happens to it during a session.

    Attributes:
        sample_rate_hz: IMU output data rate, Hz (whole number; 100-1000 in practice).
        flush_deadline_s: longest a sample waits in a part-filled packet, s (≤ 0.02).
        acc_range_g, gyr_range_dps: full-scale ranges written into every packet.
        status_period_s: time between status messages, s.
        battery_start_pct: charge at session start, %.
        battery_drain_pct_per_h: drain, %/h; None for :func:`typical_battery_drain_pct_per_h`.
        temperature_c: sensor temperature reported in status messages, °C.
        reboot_at_s: true times at which the sensor reboots, s.
        boot_duration_s: time from a reboot to the first new sample, s.
        first_sequence: sequence number of the session's first packet (the sensor was
            already streaming before the session started).
        clock_drift_ppm: size of the sensor clock's rate error, ppm; the sign (fast or slow)
            is drawn per sensor. None: drawn from N(0, 20 ppm) (see ``SensorClock.random``).
    """

    sample_rate_hz: int = 200
    flush_deadline_s: float = 0.02
    acc_range_g: int = 16
    gyr_range_dps: int = 2000
    status_period_s: float = 1.0
    battery_start_pct: float = 95.0
    battery_drain_pct_per_h: float | None = None
    temperature_c: float = 31.0
    reboot_at_s: tuple[float, ...] = ()
    boot_duration_s: float = 1.5
    first_sequence: int = 0
    clock_drift_ppm: float | None = None

    def __post_init__(self) -> None:
        if self.clock_drift_ppm is not None and not 0.0 <= self.clock_drift_ppm <= MAX_CLOCK_DRIFT_PPM:
            raise ValidationError(
                f"clock_drift_ppm is {self.clock_drift_ppm}; it must be 0-{MAX_CLOCK_DRIFT_PPM:g} ppm "
                "(the sign is drawn per sensor)"
            )
        if not 0.0 < self.flush_deadline_s <= 0.02:
            raise ValidationError(
                f"flush_deadline_s is {self.flush_deadline_s}; it must be in (0, 0.02] s"
            )
        if not 0 <= self.first_sequence < SEQUENCE_WRAP:
            raise ValidationError(f"first_sequence {self.first_sequence} must be 0-65535")
        if not MIN_SAMPLE_RATE_HZ <= self.sample_rate_hz <= MAX_SAMPLE_RATE_HZ:
            raise ValidationError(
                f"sample_rate_hz {self.sample_rate_hz} must be {MIN_SAMPLE_RATE_HZ}-"
                f"{MAX_SAMPLE_RATE_HZ} Hz"
            )
        if self.status_period_s <= 0.0 or self.boot_duration_s < 0.0:
            raise ValidationError("status_period_s must be positive and boot_duration_s >= 0")

    @property
    def samples_per_packet(self) -> int:
        """Samples in a packet closed by the full rule or the deadline, whichever comes first.

        A deadline packet holds the samples taken strictly less than ``flush_deadline_s`` after
        its first: ⌈deadline · rate⌉ (2 at 100 Hz), capped at 19 (19 at 1 kHz).
        """
        per_deadline = math.ceil(self.flush_deadline_s * self.sample_rate_hz - 1e-9)
        return min(MAX_SAMPLES_PER_PACKET, per_deadline)

    @property
    def drain_pct_per_h(self) -> float:
        """Battery drain in effect, %/h."""
        if self.battery_drain_pct_per_h is None:
            return typical_battery_drain_pct_per_h(self.sample_rate_hz)
        return self.battery_drain_pct_per_h


@dataclass(frozen=True, slots=True)
class DataPackets:
    """The data packets a sensor sent, in send order; arrays are (p,).

    Attributes:
        send_time_s: true time the packet closed and was handed to the radio, s.
        sequence: sequence number in the packet, 0-65535.
        first_sample: index of the packet's first sample in the :class:`ImuSamples`.
        count: number of samples in the packet, 1-19 (they are consecutive).
        payloads: the encoded packets, one ``bytes`` each.
    """

    send_time_s: np.ndarray
    sequence: np.ndarray
    first_sample: np.ndarray
    count: np.ndarray
    payloads: list[bytes]


@dataclass(frozen=True, slots=True)
class StatusMessages:
    """The status messages a sensor sent: ``send_time_s`` (q,) true s and ``payloads``."""

    send_time_s: np.ndarray
    payloads: list[bytes]


@dataclass(frozen=True, slots=True)
class FirmwareOutput:
    """Everything one sensor's firmware handed to its radio during a session."""

    data: DataPackets
    status: StatusMessages


def emulate_firmware(
    samples: ImuSamples, ticks_us: np.ndarray, params: FirmwareParams
) -> FirmwareOutput:
    """Batch and encode ``samples`` as the firmware would, and add its status messages.

    ``ticks_us`` (m,) is the sensor clock at each sample, µs, unwrapped (e.g.
    ``SensorClock.tick_us`` of the nominal sample times); reboots restart it here. Samples
    taken while the sensor boots are never sent.
    """
    reboots = np.sort(np.asarray(params.reboot_at_s, dtype=np.float64))
    run = np.searchsorted(reboots, samples.t, side="right")
    kept = ~_booting(samples.t, run, reboots, params.boot_duration_s)
    reset_tick_us = np.concatenate(([0.0], np.rint(np.interp(reboots, samples.t, ticks_us))))
    first, count, send_time_s = _batch(samples.t, run, kept, params)
    packet_run = run[first]
    lost_to_reboot = send_time_s >= np.append(reboots, np.inf)[packet_run]
    first, count = first[~lost_to_reboot], count[~lost_to_reboot]
    send_time_s, packet_run = send_time_s[~lost_to_reboot], packet_run[~lost_to_reboot]
    rank = _rank_within_run(packet_run)
    sequence = (_first_sequence(packet_run, params) + rank) % SEQUENCE_WRAP
    tick = _wrapped(ticks_us[first] - reset_tick_us[packet_run])
    payloads = encode_packets(
        quantize_acc(samples.acc, params.acc_range_g),
        quantize_gyr(samples.gyr, params.gyr_range_dps),
        starts=first,
        counts=count,
        sequences=sequence,
        ticks_us=tick,
        sample_rate_hz=params.sample_rate_hz,
        acc_range_g=params.acc_range_g,
        gyr_range_dps=params.gyr_range_dps,
        clock_reset=(rank == 0) & (packet_run > 0),
    )
    data = DataPackets(send_time_s, sequence, first, count, payloads)
    status = _status_messages(samples.t, ticks_us, reboots, reset_tick_us, data, packet_run, params)
    return FirmwareOutput(data, status)


def _booting(t: np.ndarray, run: np.ndarray, reboots: np.ndarray, boot_s: float) -> np.ndarray:
    """True where time ``t`` (s) falls in a boot window; ``run`` counts reboots at or before t."""
    boot_start = np.concatenate(([-np.inf], reboots))[run]
    return t < boot_start + boot_s


def _batch(
    t: np.ndarray, run: np.ndarray, kept: np.ndarray, params: FirmwareParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut the kept samples of each run into packets: (first, count, send_time_s), each (p,).

    Within a run packets hold ``samples_per_packet`` consecutive samples (the last may hold
    fewer). A full packet is sent when its 19th sample is taken; any other when its first
    sample has waited ``flush_deadline_s``.
    """
    index = np.flatnonzero(kept)
    position = _rank_within_run(run[index])
    opens = position % params.samples_per_packet == 0
    first = index[opens]
    count = np.diff(np.append(np.flatnonzero(opens), len(index)))
    full = count == MAX_SAMPLES_PER_PACKET
    send_time_s = np.where(full, t[first + count - 1], t[first] + params.flush_deadline_s)
    return first, count, send_time_s


def _rank_within_run(run: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... restarting wherever the (non-decreasing) run id changes, (k,)."""
    starts = np.flatnonzero(np.diff(run, prepend=-1))
    return np.arange(len(run)) - np.repeat(starts, np.diff(np.append(starts, len(run))))


def _first_sequence(run: np.ndarray, params: FirmwareParams) -> np.ndarray:
    """Sequence number of each run's first packet: ``first_sequence``, then 0 after reboots."""
    return np.where(run == 0, params.first_sequence, 0)


def _wrapped(tick_us: np.ndarray) -> np.ndarray:
    """The integer clock field of unwrapped float ticks (rounded to the µs), 0 to 2**32-1 (int64)."""
    return np.rint(tick_us).astype(np.int64) % TICK_WRAP


def _status_messages(
    t: np.ndarray,
    ticks_us: np.ndarray,
    reboots: np.ndarray,
    reset_tick_us: np.ndarray,
    data: DataPackets,
    packet_run: np.ndarray,
    params: FirmwareParams,
) -> StatusMessages:
    """A status message every ``status_period_s`` of true time while the sensor is up."""
    times = np.arange(1, math.floor(t[-1] / params.status_period_s) + 1) * params.status_period_s
    run = np.searchsorted(reboots, times, side="right")
    up = ~_booting(times, run, reboots, params.boot_duration_s)
    times, run = times[up], run[up]
    tick = _wrapped(np.interp(times, t, ticks_us) - reset_tick_us[run])
    sent_in_run = np.searchsorted(data.send_time_s, times, side="right") - np.searchsorted(
        packet_run, run, side="left"
    )
    last_sequence = (_first_sequence(run, params) + sent_in_run - 1) % SEQUENCE_WRAP
    battery = np.clip(
        np.rint(params.battery_start_pct - params.drain_pct_per_h * times / 3600.0), 0, 100
    ).astype(int)
    payloads = [
        encode_status(
            StatusMessage(
                last_sequence=int(seq),
                tick_us=int(tk),
                sample_rate_hz=params.sample_rate_hz,
                acc_range_g=params.acc_range_g,
                gyr_range_dps=params.gyr_range_dps,
                battery_pct=int(pct),
                charging=False,
                streaming=True,
                low_battery=bool(pct < LOW_BATTERY_PCT),
                temperature_c=params.temperature_c,
                dropped_samples_total=0,
            )
        )
        for seq, tk, pct in zip(last_sequence, tick, battery, strict=True)
    ]
    return StatusMessages(times, payloads)
