"""The foot sensor's sagittal (flexion) axis in its own frame, for any way it is strapped on.

It is found from the gait itself, so foot-only data works: the foot turns mostly in the
sagittal plane, so the axis is the principal axis of the angular velocity while the foot moves.
Its sign is set so that a positive angular velocity lifts the toes (dorsiflexion-wise, ISB),
by a physical fact of running and walking alike: from foot-flat to the next foot-flat the foot
spends most of the stride toes-down (pushing off, then trailing behind with the heel up), so
the foot's pitch, integrated from each foot-flat, averages below zero over the stride. A
calibration's foot Z (right) axis, found with the shank, is the fallback.
"""

from __future__ import annotations

import numpy as np

from anklet.calibration import Calibration
from anklet.errors import ValidationError
from anklet.files import ImuTable
from anklet.gait._foot_events import EventParams
from anklet.gait._signals import principal_axis, valid_rows
from anklet.geometry import SIDES, at_rest

MOVING_GYR_RADS = 1.0
"""Rows turning faster than this count as movement for the principal axis, rad/s."""
MIN_MOVING_S = 1.0
"""Least movement that shows the axis, s."""
STRIDE_S = (0.3, 2.5)
"""Foot-flat to foot-flat intervals of this length (s) are strides for the sign."""


def flexion_axis_from_calibration(calibration: Calibration, side: str) -> np.ndarray:
    """The ``side`` foot's Z (right) axis (3,) in its sensor frame, as calibration found it."""
    return calibration.legs[side].foot[:, 2]


def foot_flexion_axes(table: ImuTable, rate_hz: float, calibration: Calibration | None = None) -> dict[str, np.ndarray]:
    """Each foot sensor's flexion axis (3,), sensor frame, + lifting the toes: from the motion,
    or calibration's where the motion shows none (sides with neither are left out).

    The motion comes first: on the simulator it finds the axis within 2 deg, where the
    calibration's foot axis (made horizontal in standing, fitted jointly with the shank) was
    up to 13 deg off (docs/gait.md).
    """
    axes = {}
    for side in SIDES:
        name = f"{side}_foot"
        if name not in table.acc:
            continue
        try:
            axes[side] = flexion_axis_from_motion(table.acc[name], table.gyr[name], rate_hz)
        except ValidationError:
            if calibration is not None and side in calibration.legs:
                axes[side] = flexion_axis_from_calibration(calibration, side)
    return axes


def flexion_axis_from_motion(acc: np.ndarray, gyr: np.ndarray, rate_hz: float) -> np.ndarray:
    """The foot's flexion axis (3,) in its sensor frame, + lifting the toes, from the data alone.

    ``acc`` (n, 3) m/s² and ``gyr`` (n, 3) rad/s on the host grid (NaN rows allowed) of a
    stretch of gait. Raises ValidationError when the foot hardly moves or never rests between
    strides (so neither the axis nor its sign shows).
    """
    valid = valid_rows(acc, gyr)
    moving = valid & (np.linalg.norm(np.where(valid[:, None], gyr, 0.0), axis=1) > MOVING_GYR_RADS)
    if moving.sum() < MIN_MOVING_S * rate_hz:
        raise ValidationError(
            f"the foot moves for only {moving.sum() / rate_hz:.1f} s; its flexion axis needs "
            f"{MIN_MOVING_S:g} s of walking or running"
        )
    axis = principal_axis(gyr[moving])
    mean_pitch = _mean_pitch_per_stride(acc, gyr, valid, rate_hz, axis)
    if mean_pitch is None:
        raise ValidationError("the foot never comes to rest between strides, so the flexion axis has no sign")
    return axis if mean_pitch < 0 else -axis


def _mean_pitch_per_stride(
    acc: np.ndarray, gyr: np.ndarray, valid: np.ndarray, rate_hz: float, axis: np.ndarray
) -> float | None:
    """Mean over strides of the foot's pitch (rad) about ``axis``, integrated from each
    foot-flat to the next; None without a stride."""
    params = EventParams()
    rest = at_rest(acc, gyr, params.rest_gyr_rads, params.rest_acc_mps2)
    starts = np.flatnonzero(np.diff(rest.astype(np.int8)) == -1) + 1  # first row after a foot-flat
    rate = np.where(valid, gyr @ axis, 0.0)  # a lost row adds no turn
    means = []
    for first, stop in zip(starts[:-1], starts[1:], strict=True):
        if STRIDE_S[0] <= (stop - first) / rate_hz <= STRIDE_S[1]:
            means.append(np.mean(np.cumsum(rate[first:stop])) / rate_hz)
    return float(np.mean(means)) if means else None
