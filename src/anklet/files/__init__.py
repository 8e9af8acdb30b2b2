"""File formats other tools rely on: the anklet IMU CSV and the result files (DESIGN.md), and
OpenSim's ``.mot`` and OpenSense's quaternion ``.sto`` for export."""

from anklet.files._imu_csv import (
    SENSOR_NAMES,
    ImuTable,
    imu_columns,
    read_imu_csv,
    write_imu_csv,
)
from anklet.files._opensim import (
    MOT_COORDINATES,
    OPENSENSE_IMUS,
    opensim_coordinates,
    write_mot,
    write_orientations_sto,
)
from anklet.files._results import (
    ANGLE_NAMES,
    EVENT_COLUMNS,
    REP_COLUMNS,
    SIDES,
    STRIDE_COLUMNS,
    angle_columns,
    write_angles,
    write_records,
    write_summary,
)

__all__ = [
    "ANGLE_NAMES",
    "EVENT_COLUMNS",
    "MOT_COORDINATES",
    "OPENSENSE_IMUS",
    "REP_COLUMNS",
    "SENSOR_NAMES",
    "SIDES",
    "STRIDE_COLUMNS",
    "ImuTable",
    "angle_columns",
    "imu_columns",
    "opensim_coordinates",
    "read_imu_csv",
    "write_angles",
    "write_imu_csv",
    "write_mot",
    "write_orientations_sto",
    "write_records",
    "write_summary",
]
