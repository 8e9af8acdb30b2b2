"""Fusion: per-sensor orientation (VQF, 6-axis) and ISB ankle joint angles per leg."""

from anklet.fusion._accelerometer_flexion import AccelerometerFlexion
from anklet.fusion._ankle import AnkleAngles
from anklet.fusion._declip import TableDeclipper, at_full_scale, declip, saturated
from anklet.fusion._partner_redraw import PartnerRedraw, partner_redraws
from anklet.fusion._orientation import OrientationChunk, OrientationParams, SensorOrientation, quaternion_to_matrix

__all__ = [
    "AccelerometerFlexion",
    "AnkleAngles",
    "OrientationChunk",
    "OrientationParams",
    "PartnerRedraw",
    "SensorOrientation",
    "TableDeclipper",
    "at_full_scale",
    "partner_redraws",
    "declip",
    "quaternion_to_matrix",
    "saturated",
]
