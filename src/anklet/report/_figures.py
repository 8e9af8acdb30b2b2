"""The report's figures (matplotlib, without pyplot: each is a ``Figure`` drawn by Agg into PNG
bytes). Each function returns None when the session has nothing to show for it."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from anklet.gait import Rep, SessionAnalysis, Stride
from anklet.geometry import SIDES
from anklet.report._words import METRIC_LABELS

SIDE_COLOURS = {"left": "#0072B2", "right": "#D55E00"}  # colour-blind safe (Okabe-Ito)
RESTRICTED_COLOUR = "#CC3311"
CYCLE_POINTS = 101  # 0, 1, ..., 100 % of the gait cycle
_DPI = 110


def png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()


def _legend(figure: Figure) -> None:
    """One legend below the plot, where it hides no data."""
    figure.legend(loc="outside lower center", ncols=3, fontsize=8, frameon=False)


def _figure(width_in: float = 7.5, height_in: float = 3.6) -> tuple[Figure, object]:
    figure = Figure(figsize=(width_in, height_in), layout="constrained")
    axes = figure.add_subplot()
    axes.grid(True, alpha=0.3)
    return figure, axes


def gait_cycle_profiles(analysis: SessionAnalysis) -> dict[str, tuple[np.ndarray, float]]:
    """Per side with strides: (strides, CYCLE_POINTS) dorsiflexion in deg over each stride
    from its initial contact (0 %) to the next (100 %), strides with a missing angle left
    out; and the mean toe-off as % of the cycle."""
    angles = analysis.angles
    profiles = {}
    for side in SIDES:
        strides = [s for s in analysis.gait.strides if s.side == side and np.isfinite(s.end_t)]
        if side not in angles.angles or not strides:
            continue
        dorsiflexion = np.degrees(angles.angles[side][:, 0])
        curves, toe_offs = [], []
        for stride in strides:
            cycle_t = np.linspace(stride.ic_t, stride.end_t, CYCLE_POINTS)
            rows = slice(np.searchsorted(angles.t, stride.ic_t) - 1, np.searchsorted(angles.t, stride.end_t) + 1)
            if rows.start < 0 or not np.isfinite(dorsiflexion[rows]).all():
                continue
            curves.append(np.interp(cycle_t, angles.t[rows], dorsiflexion[rows]))
            toe_offs.append(100.0 * (stride.to_t - stride.ic_t) / (stride.end_t - stride.ic_t))
        if curves:
            profiles[side] = (np.array(curves), float(np.mean(toe_offs)))
    return profiles


def gait_cycle(analysis: SessionAnalysis, threshold_deg: float) -> Figure | None:
    """Ankle angle over the normalised gait cycle, mean ± SD per side, toe-off marked."""
    profiles = gait_cycle_profiles(analysis)
    if not profiles:
        return None
    figure, axes = _figure()
    cycle = np.linspace(0, 100, CYCLE_POINTS)
    for side, (curves, toe_off_pct) in profiles.items():
        colour = SIDE_COLOURS[side]
        mean, sd = curves.mean(axis=0), curves.std(axis=0)
        axes.plot(cycle, mean, color=colour, label=f"{side} (mean of {len(curves)} strides)")
        axes.fill_between(cycle, mean - sd, mean + sd, color=colour, alpha=0.2, linewidth=0)
        axes.axvline(toe_off_pct, color=colour, linestyle="--", linewidth=1,
                     label=f"{side} toe-off (mean, {toe_off_pct:.0f} %)")
    axes.axhline(threshold_deg, color=RESTRICTED_COLOUR, linestyle=":", linewidth=1,
                 label=f"toe-off threshold {threshold_deg:.0f}°")
    axes.axhline(0, color="black", linewidth=0.6)
    axes.set_xlim(0, 100)
    axes.set_xlabel("gait cycle, % (0 = foot lands, 100 = it lands again)")
    axes.set_ylabel("ankle angle, ° (+ bend, − extension)")
    _legend(figure)
    return figure


def to_angle_over_session(strides: Sequence[Stride], thresholds_deg: dict[str, float]) -> Figure | None:
    """Ankle angle at toe-off of each stride over the session, with the restricted zone."""
    if not strides:
        return None
    figure, axes = _figure()
    for side in SIDES:
        own = [s for s in strides if s.side == side]
        if own:
            axes.plot([s.to_t for s in own], [s.ankle_angle_at_to_deg for s in own], ".", color=SIDE_COLOURS[side],
                      label=side, markersize=5)
            restricted = [s for s in own if s.restricted_pf]
            axes.plot([s.to_t for s in restricted], [s.ankle_angle_at_to_deg for s in restricted], "x",
                      color=RESTRICTED_COLOUR, markersize=4)
    known = [s.ankle_angle_at_to_deg + 3 for s in strides if np.isfinite(s.ankle_angle_at_to_deg)]
    top = max([*known, max(thresholds_deg.values()) + 5])
    for gait in sorted({s.gait for s in strides}):
        threshold = thresholds_deg[gait]
        axes.axhspan(threshold, top, color=RESTRICTED_COLOUR, alpha=0.08)
        axes.axhline(threshold, color=RESTRICTED_COLOUR, linestyle=":", linewidth=1,
                     label=f"{gait} threshold {threshold:.0f}° (above: restricted, marked ×)")
    axes.set_ylim(top=top)
    axes.set_xlabel("session time, s")
    axes.set_ylabel("ankle angle at toe-off, °")
    _legend(figure)
    return figure


def contact_time(strides: Sequence[Stride]) -> Figure | None:
    """Ground contact time of each stride over the session, per side."""
    if not strides:
        return None
    figure, axes = _figure(height_in=3.0)
    for side in SIDES:
        own = [s for s in strides if s.side == side]
        if own:
            axes.plot([s.ic_t for s in own], [1000 * s.contact_time_s for s in own], ".-", color=SIDE_COLOURS[side],
                      label=side, markersize=4, linewidth=0.6)
    axes.set_xlabel("session time, s")
    axes.set_ylabel("contact time, ms")
    _legend(figure)
    return figure


def left_right(symmetry: Sequence[Mapping[str, Any]]) -> Figure | None:
    """Left against right (``SessionGait.summary()["symmetry"]``): the symmetry index of times,
    cadence and range (%), and the difference of the angles (°), one bar per metric
    (positive: left larger)."""
    index = [e for e in symmetry if np.isfinite(e["symmetry_index_pct"])]
    angles = [e for e in symmetry if not np.isfinite(e["symmetry_index_pct"]) and np.isfinite(e["difference"])]
    if not index and not angles:
        return None
    figure = Figure(figsize=(7.5, 3.4), layout="constrained")
    panels = [(index, "symmetry index, % (left − right)", [e["symmetry_index_pct"] for e in index]),
              (angles, "difference, ° (left − right)", [e["difference"] for e in angles])]
    panels = [panel for panel in panels if panel[0]]
    for number, (shown, label, values) in enumerate(panels):
        axes = figure.add_subplot(1, len(panels), number + 1)
        positions = np.arange(len(shown))
        axes.barh(positions, values, color=[SIDE_COLOURS["left"] if v >= 0 else SIDE_COLOURS["right"] for v in values])
        axes.set_yticks(positions, [METRIC_LABELS.get(e["metric"], e["metric"]) for e in shown], fontsize=8)
        axes.axvline(0, color="black", linewidth=0.6)
        axes.set_xlabel(label, fontsize=9)
        axes.grid(True, axis="x", alpha=0.3)
        axes.invert_yaxis()
    return figure


def reps_against_threshold(reps: Sequence[Rep], thresholds_deg: dict[str, float]) -> Figure | None:
    """Deepest ankle bend of each rep per side against the side's threshold."""
    if not reps:
        return None
    figure, axes = _figure()
    for side in SIDES:
        own = [r for r in reps if r.side == side]
        if not own:
            continue
        numbers = np.arange(1, len(own) + 1)
        axes.plot(numbers, [r.max_dorsiflexion_deg for r in own], "o-", color=SIDE_COLOURS[side], label=side,
                  markersize=5, linewidth=0.8)
        restricted = [(n, r.max_dorsiflexion_deg) for n, r in zip(numbers, own) if r.restricted_df]
        if restricted:
            axes.plot(*zip(*restricted), "x", color=RESTRICTED_COLOUR, markersize=7)
    for limit, sides in _sides_by_value(thresholds_deg).items():
        who = "" if len(sides) == len(thresholds_deg) == 2 else f"{' and '.join(sides)} "
        axes.axhline(limit, color=RESTRICTED_COLOUR, linestyle=":", linewidth=1,
                     label=f"{who}limit {limit:.0f}° (below: restricted, marked ×)")
    shown = [r.max_dorsiflexion_deg for r in reps if np.isfinite(r.max_dorsiflexion_deg)]
    shown += list(thresholds_deg.values())
    bottom, top = min(shown, default=0.0) - 5, max(shown, default=0.0) + 5
    if thresholds_deg:
        axes.axhspan(bottom, max(thresholds_deg.values()), color=RESTRICTED_COLOUR, alpha=0.08)
    axes.set_ylim(bottom, top)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("rep or attempt (each side counted from 1)")
    axes.set_ylabel("deepest ankle bend, °")
    _legend(figure)
    return figure


def _sides_by_value(thresholds_deg: dict[str, float]) -> dict[float, list[str]]:
    grouped: dict[float, list[str]] = {}
    for side, value in thresholds_deg.items():
        grouped.setdefault(round(value, 1), []).append(side)
    return grouped
