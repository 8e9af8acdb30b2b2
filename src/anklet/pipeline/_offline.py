"""A whole session's notifications at once: decode, sync each sensor's clock, drop duplicates,
and put every sensor on one host-time grid, vectorised (the batch twin of the live stages)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from anklet.calibration import Calibration
from anklet.errors import ProtocolError, ValidationError
from anklet.files import ImuTable
from anklet.fusion import quaternion_to_matrix
from anklet.geometry import ankle_relative_rotation, rotation_x, rotation_y
from anklet.pipeline._angles import AngleChunk, AngleEstimator, AngleParams, join_chunks
from anklet.protocol import DecodedBatch, decode_packet, decode_packets
from anklet.timing import ClockSyncParams, PacketArrivals, first_copies, resample, sample_times, sync_offline
from anklet.transport import Notification

MAX_GAP_PERIODS = 1.5
"""A grid row is interpolated only between samples at most this many periods apart: one lost
sample is already a gap the orientation filter should bridge knowingly."""


def grid_rows(start_s: float, stop_s: float, rate_hz: float) -> np.ndarray:
    """Grid times k / rate_hz within [start_s, stop_s], s: one grid for every session and mode."""
    return np.arange(math.ceil(start_s * rate_hz), math.floor(stop_s * rate_hz) + 1) / rate_hz


def table_from_notifications(
    notifications: Iterable[Notification], *, clock: ClockSyncParams | None = None, causal: bool = False
) -> ImuTable:
    """All sensors' samples on the common grid at their sample rate, NaN where lost.

    ``causal=True`` times packets as the live clock sync would (see ``sync_offline``).
    Malformed data packets are skipped. Raises ValidationError when there is no data or the
    sensors disagree on the sample rate.
    """
    payloads: dict[str, list[bytes]] = {}
    arrivals: dict[str, list[float]] = {}
    for notification in notifications:
        if notification.channel == "data":
            payloads.setdefault(notification.sensor, []).append(notification.payload)
            arrivals.setdefault(notification.sensor, []).append(notification.host_time_s)
    if not payloads:
        raise ValidationError("the session has no data packets")
    timed = {name: _timed_samples(payloads[name], arrivals[name], clock, causal) for name in payloads}
    rates = {samples.rate_hz for samples in timed.values()}
    if len(rates) != 1:
        raise ValidationError(f"the sensors stream at different rates ({sorted(rates)} Hz); anklet needs one rate")
    rate = rates.pop()
    # the grid starts where the live one does: at the first sample of the first packet to arrive
    first = min(timed.values(), key=lambda samples: samples.first_arrival_s)
    grid = grid_rows(float(first.t[0]), max(float(samples.t.max()) for samples in timed.values()), rate)
    imu = {name: _on_grid(samples.t, samples.imu, grid, rate) for name, samples in timed.items()}
    return ImuTable(
        grid,
        {name: np.ascontiguousarray(values[:, :3]) for name, values in imu.items()},
        {name: np.ascontiguousarray(values[:, 3:]) for name, values in imu.items()},
    )


def table_on_grid(table: ImuTable) -> tuple[ImuTable, float]:
    """A table from a file, put on the grid k / rate (rate from its median sample spacing) so
    every later stage can count rows; a file already on that grid comes back unchanged."""
    rate_hz = float(np.round(1.0 / np.median(np.diff(table.t)), 3))
    grid = grid_rows(float(table.t[0]), float(table.t[-1]), rate_hz)

    def on_grid(values: np.ndarray) -> np.ndarray:
        present = ~np.isnan(values).any(axis=1)  # a missing sample is a gap, not a value
        return _on_grid(table.t[present], values[present], grid, rate_hz)

    return ImuTable(
        grid,
        {name: on_grid(values) for name, values in table.acc.items()},
        {name: on_grid(values) for name, values in table.gyr.items()},
    ), rate_hz


def angles_from_table(
    table: ImuTable, rate_hz: float, params: AngleParams | None = None
) -> tuple[AngleChunk, Calibration]:
    """Ankle angles of a whole table and the calibration they rest on."""
    estimator = AngleEstimator(rate_hz, params)
    chunk = _fuse_whole(estimator, table)
    return chunk, estimator.calibration


def segment_orientations_from_table(
    table: ImuTable, rate_hz: float, params: AngleParams | None = None
) -> tuple[AngleChunk, dict[str, np.ndarray]]:
    """Ankle angles of a whole table (as ``angles_from_table``) and the orientations of the
    segments they rest on, per sensor name of each calibrated leg: (n, 4) quaternions
    [w, x, y, z], world <- segment, in ``anklet.geometry``'s world frame (X forward, Y up,
    Z right), NaN where unknown.

    A shank's is its sensor's orientation turned onto the segment's axes by the calibration,
    its heading turned so that the shank faces +X during the calibration's quiet standing
    (6-axis orientation has no absolute heading; each leg keeps its own slow heading drift).
    A foot's is its shank's composed with the ankle angles, so orientations and angles agree
    exactly. Only the export to OpenSense needs these: the live path never keeps orientations.
    """
    estimator = AngleEstimator(rate_hz, params, keep_orientations=True)
    chunk = _fuse_whole(estimator, table)
    calibration = estimator.calibration
    sensor_quats = {
        name: np.vstack([kept[name] for kept in estimator.orientations_]) for name in estimator.orientations_[0]
    } if estimator.orientations_ else {}
    orientations = {}
    for side, leg in calibration.legs.items():
        shank = _facing_forward(_Y_UP @ quaternion_to_matrix(sensor_quats[f"{side}_shank"]) @ leg.shank,
                                calibration.standing)
        angles = chunk.angles[side]
        foot = shank @ ankle_relative_rotation(angles[:, 0], angles[:, 1], angles[:, 2], side)
        orientations[f"{side}_shank"] = _quaternions(shank)
        orientations[f"{side}_foot"] = _quaternions(foot)
    return chunk, orientations


_Y_UP = rotation_x(-math.pi / 2)[0]  # the orientation filter's earth frame (Z up) -> the world's (Y up)


def _facing_forward(rotations: np.ndarray, standing: slice) -> np.ndarray:
    """``rotations`` (n, 3, 3) turned about the vertical so that the segment's X axis, averaged
    over the ``standing`` rows, points along the world's X."""
    forward = np.nanmean(rotations[standing, :, 0], axis=0)
    heading = math.atan2(-forward[2], forward[0])  # X = Ry(heading) @ (1, 0, 0)
    return rotation_y(-heading)[0] @ rotations


def _quaternions(rotations: np.ndarray) -> np.ndarray:
    """(n, 3, 3) rotations as (n, 4) [w, x, y, z] quaternions with w >= 0, NaN rows kept NaN."""
    out = np.full((len(rotations), 4), np.nan)
    known = np.isfinite(rotations).all(axis=(1, 2))
    if known.any():
        quats = Rotation.from_matrix(rotations[known]).as_quat(scalar_first=True)
        out[known] = quats * np.where(quats[:, :1] < 0, -1.0, 1.0)
    return out


def _fuse_whole(estimator: AngleEstimator, table: ImuTable) -> AngleChunk:
    """A whole table through ``estimator``: the angles of every row it could calibrate, the
    last ones too (the declipper holds a clipped run still open, or its context rows, until
    the end of the stream)."""
    chunk = join_chunks(estimator.update(table), estimator.finish())
    if estimator.calibration is None:
        raise ValidationError("the session has no samples to calibrate on")
    return chunk


@dataclass(frozen=True, slots=True)
class _SensorSamples:
    """One sensor's samples in packet arrival order: host times (s), acc and gyr side by side
    (n, 6) (they share their times, so one interpolation puts both on the grid); its rate and
    when its first packet arrived."""

    t: np.ndarray
    imu: np.ndarray
    rate_hz: float
    first_arrival_s: float


def _on_grid(t: np.ndarray, values: np.ndarray, grid: np.ndarray, rate_hz: float) -> np.ndarray:
    return resample(t, values, grid, max_gap_periods=MAX_GAP_PERIODS, period_s=1 / rate_hz)


def _timed_samples(
    payloads: list[bytes], host_time_s: list[float], clock: ClockSyncParams | None, causal: bool
) -> _SensorSamples:
    """One sensor's samples on the host clock, duplicates dropped."""
    batch, kept = _decode_valid(payloads)
    packets = PacketArrivals.from_batch(batch, np.asarray(host_time_s)[kept])
    synced = sync_offline(packets, clock, causal=causal)
    unique = first_copies(packets, synced)
    samples = np.repeat(unique, batch.n_samples)
    times = sample_times(synced, batch.n_samples)[samples]
    imu = np.hstack((batch.acc, batch.gyr))[samples]
    return _SensorSamples(times, imu, float(np.median(batch.sample_rate_hz)), float(packets.host_time_s[0]))


def _decode_valid(payloads: list[bytes]) -> tuple[DecodedBatch, np.ndarray]:
    """The batch of decodable packets and the indices they came from (corrupt ones skipped)."""
    try:
        return decode_packets(payloads), np.arange(len(payloads))
    except ProtocolError:
        kept = np.array([index for index, payload in enumerate(payloads) if _decodes(payload)], dtype=int)
        if not len(kept):
            raise ValidationError("no data packet of the sensor could be decoded") from None
        return decode_packets([payloads[index] for index in kept]), kept


def _decodes(payload: bytes) -> bool:
    try:
        decode_packet(payload)
    except ProtocolError:
        return False
    return True
