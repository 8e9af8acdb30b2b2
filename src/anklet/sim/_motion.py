"""Containers for simulated motion and its ground truth.

Every generator in ``anklet.sim`` (``make_running``, ``make_squat``, ``make_knee_to_wall``,
``make_tall_kneeling``, ``make_split_squat``) returns a :class:`Motion`: the world
trajectories of the four segments (shank and foot of each leg) on one uniform time grid,
and the :class:`Truth` the analysis should recover from the IMU signals those trajectories
produce. See ``docs/simulator-motion.md`` for the models and their sources.

Units are SI (m, s, rad) except fields whose names end in ``_deg`` or ``_cm`` (truth
tables are written to files in those units).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from anklet.geometry import ANTHROPOMETRY, SIDES, FootGeometry, ankle_angles, knee_to_wall_required_df_rad

__all__ = [
    "ANTHROPOMETRY",
    "EVENT_KINDS",
    "FootGeometry",
    "SEGMENT_NAMES",
    "Event",
    "Motion",
    "Rep",
    "SegmentTrajectory",
    "Stride",
    "Thresholds",
    "Truth",
    "check_side",
    "check_standing_s",
    "knee_to_wall_required_df_rad",
    "truth_angles",
]

SEGMENT_NAMES: tuple[str, ...] = ("left_shank", "left_foot", "right_shank", "right_foot")
EVENT_KINDS: tuple[str, ...] = ("IC", "TO", "MS")

HIP_HALF_WIDTH_M = 0.09
"""Lateral position of each ankle in standing: left at Z = -0.09 m, right at +0.09 m."""

MIN_STANDING_S = 3.0
"""Every session opens with at least this much quiet standing: the calibration pose, s."""


def check_standing_s(standing_s: float) -> None:
    """Refuse a session that would open with less than the calibration pose needs."""
    if standing_s < MIN_STANDING_S:
        raise ValueError(f"standing_s must be at least {MIN_STANDING_S:g} s (the calibration pose)")


def check_side(side: str) -> None:
    if side not in SIDES:
        raise ValueError("first_side must be 'left' or 'right'")


def side_z(side: str) -> float:
    """World Z of a side's ankle in standing, m."""
    return -HIP_HALF_WIDTH_M if side == "left" else HIP_HALF_WIDTH_M


@dataclass(frozen=True, slots=True)
class SegmentTrajectory:
    """World pose of one rigid segment on a uniform time grid.

    Attributes
    ----------
    rate_hz
        Sample rate, Hz; sample ``i`` is at ``t = i / rate_hz`` s.
    position_m
        World position of the segment origin (the ankle joint centre for both shank and
        foot), shape (n, 3), m.
    rotation
        World<-segment rotation matrices, shape (n, 3, 3).
    """

    rate_hz: float
    position_m: np.ndarray
    rotation: np.ndarray

    @property
    def t(self) -> np.ndarray:
        """Sample times, shape (n,), s."""
        return np.arange(self.position_m.shape[0]) / self.rate_hz

    def __len__(self) -> int:
        return int(self.position_m.shape[0])


@dataclass(frozen=True, slots=True)
class Event:
    """A gait event: ``event`` in ``IC`` (initial contact), ``TO`` (toe-off), ``MS``
    (mid-stance = midpoint of the foot-flat phase, when the foot is at rest on the belt)."""

    t: float
    side: str
    event: str


@dataclass(frozen=True, slots=True)
class Stride:
    """One stride of one foot, from its initial contact to its next initial contact."""

    side: str
    ic_t: float
    to_t: float
    end_t: float
    contact_time_s: float
    ankle_angle_at_to_deg: float  # dorsiflexion at the TO sample (negative = plantarflexion)
    restricted_pf: bool


@dataclass(frozen=True, slots=True)
class Rep:
    """One repetition (squat, lunge attempt, split-squat rep) of one ankle.

    ``max_plantarflexion_deg`` is the most plantarflexed angle of the rep as a positive
    number of degrees of plantarflexion (NaN where the movement has no plantarflexion
    phase); ``set_index`` counts sets from 0.
    """

    side: str
    start_t: float
    bottom_t: float
    end_t: float
    max_dorsiflexion_deg: float
    restricted_df: bool
    set_index: int = 0
    max_plantarflexion_deg: float = math.nan


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Flag thresholds; sources in ``docs/simulator-motion.md``.

    Attributes
    ----------
    restricted_pf_to_deg
        A stride is ``restricted_pf`` when the ankle angle at toe-off is above this
        (less plantarflexed), deg. Normative running reaches about -15 to -25 deg at TO.
    restricted_df_squat_deg
        A squat rep is ``restricted_df`` when its maximum dorsiflexion is below this, deg.
    restricted_df_lunge_deg
        Split-squat reps (front leg on the board) are ``restricted_df`` below this, deg.
    asymmetry_deg
        An ``asymmetry`` flag is raised when the left/right medians of the flagged quantity
        (TO angle when running, max DF in squats) differ by more than this, deg.
    flag_fraction
        A ``restricted_*`` flag is raised when at least this fraction of a side's strides
        (or reps) in a window is restricted.
    flag_window_strides
        Window length for the running flags, strides per side.
    tall_kneeling_max_gap_cm
        The tall-kneeling test passes when the gap between the front of the ankle and the
        floor is at most this, cm.
    """

    restricted_pf_to_deg: float = -15.0
    restricted_df_squat_deg: float = 25.0
    restricted_df_lunge_deg: float = 25.0
    asymmetry_deg: float = 5.0
    flag_fraction: float = 0.5
    flag_window_strides: int = 20
    tall_kneeling_max_gap_cm: float = 1.0


@dataclass(frozen=True)
class Truth:
    """Ground truth of a simulated session.

    Attributes
    ----------
    angles_rad
        Per side (``"left"``, ``"right"``): ankle angles on the motion grid, shape (n, 3),
        rad, ``[dorsiflexion, inversion, internal_rotation]`` (``geometry.ankle_angles`` of
        the generated segment rotations).
    events
        Gait events sorted by time.
    strides, reps, assessments, flags
        See :class:`Stride`, :class:`Rep`; assessments are dicts such as
        ``{"test": "knee_to_wall", "side": "left", "max_dorsiflexion_deg": 41.0,
        "toe_to_wall_cm": 11.4, "required_deg": 38.2, "passed": True}``; flags are dicts
        ``{"side": ..., "flag": "restricted_pf" | "restricted_df" | "asymmetry",
        "from_t": ...}`` the product should raise.
    """

    angles_rad: dict[str, np.ndarray]
    events: list[Event] = field(default_factory=list)
    strides: list[Stride] = field(default_factory=list)
    reps: list[Rep] = field(default_factory=list)
    assessments: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Motion:
    """Segment trajectories of one simulated session, plus the ground truth.

    ``segments`` has the keys ``left_shank``, ``left_foot``, ``right_shank``,
    ``right_foot``; ``kind`` is ``running``, ``squat``, ``knee_to_wall``,
    ``tall_kneeling`` or ``split_squat``.
    """

    rate_hz: float
    segments: dict[str, SegmentTrajectory]
    truth: Truth
    kind: str
    params: Any = None

    @property
    def t(self) -> np.ndarray:
        """Sample times, shape (n,), s."""
        return next(iter(self.segments.values())).t

    @property
    def n_samples(self) -> int:
        return len(next(iter(self.segments.values())))

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.rate_hz


def truth_angles(segments: dict[str, SegmentTrajectory]) -> dict[str, np.ndarray]:
    """Ankle angles of both sides from the segment rotations, rad, (n, 3) per side."""
    return {
        side: ankle_angles(segments[f"{side}_shank"].rotation, segments[f"{side}_foot"].rotation, side)
        for side in SIDES
    }
