"""Calibration: units, quiet standing, gyroscope bias, sensors that look swapped, and
sensor-to-segment alignment."""

from anklet.calibration._alignment import AlignmentParams, LegAlignment, align_leg
from anklet.calibration._session import Calibration, CalibrationParams, calibrate, leg_quality, movement_window
from anklet.calibration._standing import StandingParams, check_units, find_standing
from anklet.calibration._swaps import suspected_swaps

__all__ = [
    "AlignmentParams",
    "Calibration",
    "CalibrationParams",
    "LegAlignment",
    "StandingParams",
    "align_leg",
    "calibrate",
    "check_units",
    "find_standing",
    "leg_quality",
    "movement_window",
    "suspected_swaps",
]
