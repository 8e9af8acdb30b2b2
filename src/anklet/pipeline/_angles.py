"""From synchronised samples to ankle angles: calibrate once, then fuse chunk by chunk.

Live and offline use this one class; offline simply hands it the whole recording at once.
Calibration waits for the first quiet standing period plus its movement window (``window_s``,
longer while a leg has not moved yet: see ``CalibrationParams``), then the samples held so far
are fused and every later chunk is fused as it comes, so a file and a live session calibrate on
the same samples and give the same angles.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from anklet.calibration import Calibration, CalibrationParams, calibrate, check_units, find_standing, movement_window
from anklet.errors import ValidationError
from anklet.files import ImuTable
from anklet.fusion import (
    AccelerometerFlexion,
    AnkleAngles,
    OrientationParams,
    SensorOrientation,
    TableDeclipper,
    partner_redraws,
    quaternion_to_matrix,
)
from anklet.geometry import angles_of_relative_rotation


_CHECK_EVERY_S = 0.5  # while calibration waits: how much new data before looking again
# How much of the other sensor's surprise a gap's stand-in takes on (SensorOrientation): the
# foot turns as the shank does plus the ankle, so a foot's gap takes all of the shank's; a
# shank's gap has two equally good guesses, its own copy and the foot's surprise minus the
# ankle's unknown one, and averages them. (Measured on easy_run, 80-300 ms gaps: the error at
# the gap's end, 90th percentile, foot 3.4-8.0 -> 1.2-3.9 deg, shank 3.3-5.4 -> 2.3-3.0 deg.)
_PARTNER_WEIGHT = {"foot": 1.0, "shank": 0.5}


@dataclass(frozen=True, slots=True)
class AngleParams:
    """Settings of the stages after clock sync. ``heading_tau_s``: time constant of the
    hinge-based heading correction between shank and foot, s. ``accelerometer_tau_s``: time
    constant of the dorsiflexion's correction by both accelerometers (``AccelerometerFlexion``),
    s; None leaves the integrated angle as it is."""

    calibration: CalibrationParams = field(default_factory=CalibrationParams)
    orientation: OrientationParams = field(default_factory=OrientationParams)
    heading_tau_s: float = 3.0
    accelerometer_tau_s: float | None = 0.5


@dataclass(frozen=True, slots=True)
class AngleChunk:
    """Ankle angles of consecutive grid rows: ``t`` (n,) s and, per calibrated side, (n, 3)
    rad (dorsiflexion, inversion, internal rotation), NaN where a sensor's sample is missing."""

    t: np.ndarray
    angles: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.t)


class AngleEstimator:
    """Calibration, orientation and ankle angles for one session, fed grid chunks in order.

    ``update(table)`` returns the angles of the rows that became computable: nothing while
    calibration waits for data, then the backlog, then each chunk's rows. With
    ``max_rows_per_update`` the backlog is worked off that many rows per call, so a live loop
    is never blocked for long. ``finish()`` ends the stream: it fuses whatever is left, and a
    session too short for the full calibration window calibrates on what it has.
    Raises ValidationError (one sentence) when the data cannot be calibrated.

    With ``keep_orientations`` every fused chunk's sensor orientations (``OrientationChunk.quat``
    per sensor, on the rows of the angles returned) are appended to ``orientations_``: the
    export to OpenSense needs them, the live path never does.
    """

    def __init__(
        self,
        rate_hz: float,
        params: AngleParams | None = None,
        max_rows_per_update: int | None = None,
        keep_orientations: bool = False,
    ) -> None:
        self.rate_hz = rate_hz
        self.params = params or AngleParams()
        self.max_rows_per_update = max_rows_per_update
        self.keep_orientations = keep_orientations
        self.orientations_: list[dict[str, np.ndarray]] = []
        self.calibration: Calibration | None = None
        self._held: list[ImuTable] = []  # rows not fused yet, in order
        self._held_rows_checked = 0
        self._orientations: dict[str, SensorOrientation] = {}
        self._ankles: AnkleAngles | None = None  # the calibrated legs, in the order of their sensors here
        self._flexion: AccelerometerFlexion | None = None
        self._declipper = TableDeclipper()  # made again with the legs' re-draws at calibration

    def update(self, table: ImuTable) -> AngleChunk:
        self._held.append(table)
        if self.calibration is None and not self._try_calibrate():
            return _empty_chunk()
        return self._fuse_held(self.max_rows_per_update)

    def finish(self) -> AngleChunk:
        if self.calibration is None:
            if not self._held:
                return _empty_chunk()
            held = ImuTable.concatenate(self._held)
            self._calibrate(held, len(held.t))
        chunk = self._fuse_held(None) if self._held else _empty_chunk()
        rest = self._declipper.finish()
        return chunk if rest is None else join_chunks(chunk, self._fuse(rest))

    def _try_calibrate(self) -> bool:
        held_rows = sum(len(held.t) for held in self._held)
        if held_rows - self._held_rows_checked < _CHECK_EVERY_S * self.rate_hz:
            return False  # looking for the standing period is not free: not every chunk
        self._held_rows_checked = held_rows
        held = ImuTable.concatenate(self._held)
        self._held = [held]
        needed = self._rows_needed(held)
        if needed is None or needed > held_rows:
            return False
        self._calibrate(held, needed)
        return True

    def _rows_needed(self, held: ImuTable) -> int | None:
        """Rows the calibration needs, once the standing period and the end of the movement
        window are known; None before that."""
        standing_params = self.params.calibration.standing
        check_units(held.acc, held.gyr, self.rate_hz)  # deg/s would hide the standing period
        try:
            standing = find_standing(held.acc, held.gyr, self.rate_hz, standing_params)
        except ValidationError:
            if len(held.t) / self.rate_hz < standing_params.search_s + standing_params.min_duration_s:
                return None  # standing may still come
            raise
        window = movement_window(held.gyr, standing, self.rate_hz, self.params.calibration)
        return None if window is None else window.stop

    def _calibrate(self, held: ImuTable, rows: int) -> None:
        window = slice(0, rows)
        self.calibration = calibrate(
            {name: a[window] for name, a in held.acc.items()},
            {name: g[window] for name, g in held.gyr.items()},
            self.rate_hz,
            self.params.calibration,
        )
        self._declipper = TableDeclipper(partner_redraws(self.calibration))
        legs = self.calibration.legs
        if not legs:
            return
        self._ankles = AnkleAngles(legs, self.rate_hz, self.params.heading_tau_s)
        bias = self.calibration.gyr_bias_rads
        if self.params.accelerometer_tau_s is not None:
            self._flexion = AccelerometerFlexion(
                legs, self.rate_hz, {side: (bias[f"{side}_shank"], bias[f"{side}_foot"]) for side in legs},
                self.params.accelerometer_tau_s,
            )
        for side, leg in legs.items():  # shank then foot, leg by leg: _fuse reshapes them so
            for segment in ("shank", "foot"):
                name = f"{side}_{segment}"
                self._orientations[name] = SensorOrientation(
                    self.rate_hz, bias[name], self.params.orientation,
                    flexion_axis=getattr(leg, segment)[:, 2], partner_weight=_PARTNER_WEIGHT[segment],
                )

    def _fuse_held(self, max_rows: int | None) -> AngleChunk:
        held = ImuTable.concatenate(self._held)
        rows = len(held.t) if max_rows is None else min(max_rows, len(held.t))
        self._held = [held.rows(slice(rows, None))] if rows < len(held.t) else []
        return self._fuse(self._declipper.update(held.rows(slice(0, rows))))

    def _fuse(self, table: ImuTable) -> AngleChunk:
        if not len(table.t):
            return _empty_chunk()  # the declipper holds every row (a clipped run still open)
        if self._ankles is None:
            return AngleChunk(table.t, {})
        orientation = {
            name: fusion.update(table.gyr[name], table.acc[name], self._partner_rate(table, name))
            for name, fusion in self._orientations.items()
        }
        if self.keep_orientations:
            self.orientations_.append({name: chunk.quat for name, chunk in orientation.items()})
        legs, n = len(self._ankles.sides), len(table.t)
        # every sensor's quaternions in one call, then (leg, shank/foot, row, 3, 3)
        matrices = quaternion_to_matrix(np.vstack([chunk.quat for chunk in orientation.values()])).reshape(legs, 2, n, 3, 3)
        restarts = [chunk.restarts for chunk in orientation.values()]
        relative = self._ankles.relative_rotations(matrices[:, 0], matrices[:, 1], restarts[0::2], restarts[1::2])
        angles = angles_of_relative_rotation(relative, self._ankles.sides)
        if self._flexion is not None:
            imu = np.concatenate([np.stack([table.gyr[name] for name in orientation]),
                                  np.stack([table.acc[name] for name in orientation])], axis=-1)
            angles[..., 0] = self._flexion.correct(angles[..., 0], relative, imu.reshape(legs, 2, n, 6))
        return AngleChunk(table.t, dict(zip(self._ankles.sides, angles, strict=True)))

    def _partner_rate(self, table: ImuTable, name: str) -> np.ndarray:
        """The flexion rate of the leg's other sensor, rad/s (n,), NaN where it is missing."""
        side, segment = name.split("_")
        partner = f"{side}_{'foot' if segment == 'shank' else 'shank'}"
        # each row summed on its own (einsum's loops): BLAS's product (@) can round a row
        # differently with the rows around it, and a replay must fuse the same numbers whatever
        # its chunks
        return np.einsum("ij,j->i", table.gyr[partner], self._orientations[partner].flexion_axis)


def join_chunks(first: AngleChunk, second: AngleChunk) -> AngleChunk:
    """``first``'s rows, then ``second``'s."""
    if not len(first) or not len(second):
        return second if len(second) else first
    return AngleChunk(
        np.concatenate([first.t, second.t]),
        {side: np.vstack([first.angles[side], second.angles[side]]) for side in second.angles},
    )


def _empty_chunk() -> AngleChunk:
    return AngleChunk(np.empty(0), {})
