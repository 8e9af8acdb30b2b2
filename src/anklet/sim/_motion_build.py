"""Shared pieces of the quasi-static motion models (squats and the mobility tests).

These movements are slow, so each leg is described by a few keypointed channels (the
foot's sagittal angle about world Z, the ankle angles, the ankle joint centre position),
each a C2 quintic curve through keypoints with zero slope at every pause.
"""

from __future__ import annotations

import math

import numpy as np

from anklet.geometry import SIDES, ankle_relative_rotation, rotation_z
from anklet.sim._motion import Rep, SegmentTrajectory, Thresholds, truth_angles
from anklet.sim._motion_spline import Knots

__all__ = ["Leg", "assemble", "rep_flags", "rep_from_window"]


class Leg:
    """Keypoint channels of one leg; every channel starts at the standing pose (0 / rest)."""

    def __init__(self, rest_position: np.ndarray) -> None:
        self.rest = np.asarray(rest_position, dtype=float)
        self.foot = Knots()  # foot sagittal angle about world Z, rad (+ = toes up)
        self.dorsi = Knots()  # ankle dorsiflexion, rad
        self.inv = Knots()  # ankle inversion, rad
        self.rot = Knots()  # ankle internal rotation, rad
        self.pos = [Knots(), Knots(), Knots()]  # ankle joint centre, world, m
        for k in (self.foot, self.dorsi, self.inv, self.rot):
            k.add(0.0, 0.0, 0.0, 0.0)
        for axis in range(3):
            self.pos[axis].add(0.0, self.rest[axis], 0.0, 0.0)
        self.pivots: list[tuple[float, float, np.ndarray, np.ndarray]] = []

    def pivot(self, t0: float, t1: float, contact_world: np.ndarray, contact_foot: np.ndarray) -> None:
        """Between two pauses ``t0``-``t1`` the foot rolls about a fixed contact point:
        the ankle position follows exactly from the foot angle."""
        self.pivots.append((t0, t1, np.asarray(contact_world, float), np.asarray(contact_foot, float)))

    def hold_pose(self, t: float, foot: float, dorsi: float, pos: np.ndarray | None = None) -> None:
        """A pause: the leg is at this pose at ``t`` with zero velocity."""
        self.foot.add(t, foot, 0.0, 0.0)
        self.dorsi.add(t, dorsi, 0.0, 0.0)
        if pos is not None:
            for axis in range(3):
                self.pos[axis].add(t, float(pos[axis]), 0.0, 0.0)

    def evaluate(self, t: np.ndarray) -> dict[str, np.ndarray]:
        foot = self.foot.evaluate(t)
        pos = np.column_stack([k.evaluate(t) for k in self.pos])
        for t0, t1, cw, cf in self.pivots:
            m = (t >= t0) & (t <= t1)
            c, s = np.cos(foot[m]), np.sin(foot[m])
            pos[m, 0] = cw[0] - (cf[0] * c - cf[1] * s)
            pos[m, 1] = cw[1] - (cf[0] * s + cf[1] * c)
            pos[m, 2] = cw[2]
        return {
            "foot": foot,
            "dorsi": self.dorsi.evaluate(t),
            "inv": self.inv.evaluate(t),
            "rot": self.rot.evaluate(t),
            "pos": pos,
        }


def assemble(rate_hz: float, channels: dict[str, dict[str, np.ndarray]]) -> dict[str, SegmentTrajectory]:
    """Segments from per-side channels: ``R_foot = Rz(foot)``, ``R_shank = R_foot R_rel^T``."""
    segments: dict[str, SegmentTrajectory] = {}
    for side in SIDES:
        ch = channels[side]
        r_foot = rotation_z(ch["foot"])
        r_rel = ankle_relative_rotation(ch["dorsi"], ch["inv"], ch["rot"], side)
        r_shank = r_foot @ np.swapaxes(r_rel, -1, -2)
        segments[f"{side}_shank"] = SegmentTrajectory(rate_hz, ch["pos"], r_shank)
        segments[f"{side}_foot"] = SegmentTrajectory(rate_hz, ch["pos"].copy(), r_foot)
    return segments


def angles_of(segments: dict[str, SegmentTrajectory]) -> dict[str, np.ndarray]:
    return truth_angles(segments)


def rep_from_window(
    side: str,
    angles: dict[str, np.ndarray],
    rate_hz: float,
    start_t: float,
    bottom_t: float,
    end_t: float,
    threshold_deg: float,
    set_index: int = 0,
    with_pf: bool = False,
) -> Rep:
    """A :class:`Rep` whose extremes are measured on the truth angles in [start_t, end_t]."""
    i0, i1 = int(round(start_t * rate_hz)), int(round(end_t * rate_hz)) + 1
    dorsi = np.degrees(angles[side][i0:i1, 0])
    max_df = float(dorsi.max())
    return Rep(
        side=side,
        start_t=start_t,
        bottom_t=bottom_t,
        end_t=end_t,
        max_dorsiflexion_deg=max_df,
        restricted_df=max_df < threshold_deg,
        set_index=set_index,
        max_plantarflexion_deg=float(-dorsi.min()) if with_pf else math.nan,
    )


def rep_flags(reps: list[Rep], th: Thresholds, min_reps: int = 3, window: int = 5) -> list[dict]:
    """``restricted_df`` when the median max DF of a side's last ``window`` reps is
    restricted (from the ``min_reps``-th rep on; ``from_t`` = end of the rep that decides),
    ``asymmetry`` when the two sides' medians so far differ by more than
    ``th.asymmetry_deg`` (on the less dorsiflexed side)."""
    flags: list[dict] = []
    for side in SIDES:
        mine = [r for r in reps if r.side == side]
        for i in range(min_reps - 1, len(mine)):
            recent = mine[max(0, i - window + 1) : i + 1]
            if sum(r.restricted_df for r in recent) > len(recent) / 2:
                flags.append({"side": side, "flag": "restricted_df", "from_t": mine[i].end_t})
                break
    ordered = sorted(reps, key=lambda r: r.end_t)
    for i, rep in enumerate(ordered):
        seen = ordered[: i + 1]
        left = [r.max_dorsiflexion_deg for r in seen if r.side == "left"]
        right = [r.max_dorsiflexion_deg for r in seen if r.side == "right"]
        if len(left) >= min_reps and len(right) >= min_reps:
            diff = float(np.median(left) - np.median(right))
            if abs(diff) > th.asymmetry_deg:
                flags.append({"side": "left" if diff < 0 else "right", "flag": "asymmetry", "from_t": rep.end_t})
                break
    return flags
