"""OpenSim's file formats, written as OpenSim's own readers parse them (docs/export.md).

* ``.mot`` joint angles: the Storage format, version 1. A name line, ``version=1``,
  ``nRows=``, ``nColumns=`` (with time), ``inDegrees=yes``, ``endheader``, then a tab-separated
  ``time`` column and one column per coordinate of OpenSim's standard leg models (gait2392,
  Rajagopal 2015). OpenSim's version-1 reader takes exactly ``nRows`` rows of numbers with
  C++ stream extraction, which stops at ``nan``: a row with a missing value is left out.
* OpenSense ``.sto`` orientations: ``DataRate=``, ``DataType=Quaternion``, ``version=3``,
  ``OpenSimVersion=``, ``endheader``, then ``time`` and one column per IMU named
  ``{body}_imu``, each cell ``w,x,y,z``. OpenSim reads a cell it cannot parse as NaN; the
  IMU placer registers the sensors on the first row, so the file starts at the first row
  where every IMU's orientation is known.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

MOT_COORDINATES: dict[str, tuple[str, str]] = {
    "right": ("ankle_angle_r", "subtalar_angle_r"),
    "left": ("ankle_angle_l", "subtalar_angle_l"),
}
"""Per side, the OpenSim coordinates our dorsiflexion and inversion are written to (both
positive the same way as ours in gait2392 and Rajagopal 2015: dorsiflexion, inversion)."""

OPENSENSE_IMUS: dict[str, str] = {
    "right_shank": "tibia_r_imu",
    "right_foot": "calcn_r_imu",
    "left_shank": "tibia_l_imu",
    "left_foot": "calcn_l_imu",
}
"""Our sensor names -> OpenSense's column names (``{body}_imu``, the bodies of gait2392 and
Rajagopal 2015 the sensors sit on)."""

OPENSIM_FORMAT_VERSION = "4.5"
"""The OpenSim release whose ``.sto`` header we follow (OpenSim's reader ignores the value)."""

_TIME_FORMAT = "%.6f"  # µs, as the anklet IMU CSV
_ANGLE_FORMAT = "%.4f"  # as angles.csv
_QUATERNION_FORMAT = "%.8f"


def opensim_coordinates(angles_rad: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """OpenSim coordinate columns, degrees, from per-side (n, 3) ISB ankle angles in rad
    (dorsiflexion, inversion, internal rotation); right leg first, as OpenSim's models list
    their coordinates. A side missing from ``angles_rad`` has no columns."""
    columns = {}
    for side in ("right", "left"):
        if side in angles_rad:
            ankle, subtalar = MOT_COORDINATES[side]
            columns[ankle] = np.degrees(angles_rad[side][:, 0])
            columns[subtalar] = np.degrees(angles_rad[side][:, 1])
    return columns


def write_mot(path: Path, t: np.ndarray, columns_deg: Mapping[str, np.ndarray], name: str = "anklet_ankle_angles") -> int:
    """Write joint angles as an OpenSim ``.mot`` (Storage version 1, in degrees).

    ``t`` is (n,) s, strictly increasing; ``columns_deg`` maps coordinate names to (n,)
    degrees. Rows where a column has no value (NaN) are left out, since OpenSim's version-1
    reader cannot read NaN. Returns the number of rows written.
    """
    values = np.column_stack([t, *columns_deg.values()]) if columns_deg else t[:, None]
    values = values[np.isfinite(values).all(axis=1)]
    header = "\n".join([
        name,
        "version=1",
        f"nRows={len(values)}",
        f"nColumns={values.shape[1]}",
        "inDegrees=yes",
        "endheader",
        "\t".join(["time", *columns_deg]),
    ])
    row_format = _TIME_FORMAT + f"\t{_ANGLE_FORMAT}" * (values.shape[1] - 1)
    np.savetxt(path, values, fmt=row_format, header=header, comments="")
    return len(values)


def write_orientations_sto(path: Path, t: np.ndarray, quaternions: Mapping[str, np.ndarray], rate_hz: float) -> int:
    """Write orientations as the quaternion ``.sto`` OpenSense reads.

    ``t`` is (n,) s, strictly increasing; ``quaternions`` maps column names (``{body}_imu``)
    to (n, 4) [w, x, y, z] unit quaternions, NaN where unknown. The file starts at the first
    row where every column is known (OpenSense's IMU placer registers the sensors on the first
    row); later unknown cells are written ``nan,nan,nan,nan``, which OpenSim reads as NaN.
    Returns the number of rows written (0: no row had every orientation).
    """
    blocks = [t[:, None], *quaternions.values()]
    values = np.hstack(blocks)
    known = np.flatnonzero(np.isfinite(values).all(axis=1))
    values = values[known[0]:] if len(known) else values[:0]
    header = "\n".join([
        f"DataRate={rate_hz:f}",
        "DataType=Quaternion",
        "version=3",
        f"OpenSimVersion={OPENSIM_FORMAT_VERSION}",
        "endheader",
        "\t".join(["time", *quaternions]),
    ])
    cell = ",".join([_QUATERNION_FORMAT] * 4)
    row_format = _TIME_FORMAT + f"\t{cell}" * len(quaternions)
    np.savetxt(path, values, fmt=row_format, header=header, comments="")
    return len(values)
