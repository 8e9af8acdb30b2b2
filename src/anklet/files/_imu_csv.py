"""The anklet IMU CSV (DESIGN.md): ``t`` then, per sensor, ``{sensor}_acc_{x,y,z}`` (m/s²)
and ``{sensor}_gyr_{x,y,z}`` (rad/s) in the sensor frame; empty cells are missing samples."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

AXES = ("x", "y", "z")


def imu_columns(sensor: str) -> list[str]:
    """The six column names of one sensor, accelerometer first."""
    return [f"{sensor}_{kind}_{axis}" for kind in ("acc", "gyr") for axis in AXES]


@dataclass(frozen=True)
class ImuTable:
    """Samples of several sensors on one host timeline.

    ``t`` is (n,) host seconds; ``acc[sensor]`` and ``gyr[sensor]`` are (n, 3) in the sensor
    frame (m/s², rad/s) with NaN rows where a sample is missing.
    """

    t: np.ndarray
    acc: dict[str, np.ndarray]
    gyr: dict[str, np.ndarray]

    @property
    def sensors(self) -> list[str]:
        return list(self.acc)


def write_imu_csv(path: Path, table: ImuTable) -> None:
    """Write ``table`` as an anklet IMU CSV; NaN samples become empty cells."""
    header = ["t"] + [name for sensor in table.sensors for name in imu_columns(sensor)]
    blocks = [table.t[:, None]]
    for sensor in table.sensors:
        blocks += [table.acc[sensor], table.gyr[sensor]]
    values = np.hstack(blocks)
    buffer = io.StringIO()
    np.savetxt(buffer, values[:, :1], fmt="%.6f")  # time at µs resolution
    times = buffer.getvalue().splitlines()
    buffer = io.StringIO()
    np.savetxt(buffer, values[:, 1:], fmt="%.6g", delimiter=",")
    rows = buffer.getvalue().replace("nan", "").splitlines()
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(",".join(header) + "\n")
        out.writelines(f"{t},{row}\n" for t, row in zip(times, rows, strict=True))
