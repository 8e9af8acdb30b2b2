"""The stages wired together: notifications -> samples on one grid -> calibration ->
orientation -> ankle angles (and, live, the stages after them), live (asyncio, chunk by chunk)
and offline (a whole session)."""

from anklet.pipeline._angles import AngleChunk, AngleEstimator, AngleParams
from anklet.pipeline._grid import LiveGrid
from anklet.pipeline._link import SensorLink, TimedPackets, TimedSamples
from anklet.pipeline._live import LiveParams, LivePipeline, LiveStage, Subscription
from anklet.pipeline._messages import angles_message, angles_messages, status_message
from anklet.pipeline._offline import (
    angles_from_table,
    grid_rows,
    segment_orientations_from_table,
    table_from_notifications,
    table_on_grid,
)

__all__ = [
    "AngleChunk",
    "AngleEstimator",
    "AngleParams",
    "LiveGrid",
    "LiveParams",
    "LivePipeline",
    "LiveStage",
    "SensorLink",
    "Subscription",
    "TimedPackets",
    "TimedSamples",
    "angles_from_table",
    "angles_message",
    "angles_messages",
    "grid_rows",
    "segment_orientations_from_table",
    "status_message",
    "table_from_notifications",
    "table_on_grid",
]
