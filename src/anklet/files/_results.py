"""Result files of DESIGN.md: ``angles.csv``, ``events.csv``, ``strides.csv``, ``reps.csv`` and
``summary.json``. ``anklet analyze`` writes them as they are; ``anklet simulate`` writes the
ground truth with the prefix ``truth_``."""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from anklet.geometry import SIDES

ANGLE_NAMES = ("dorsiflexion", "inversion", "internal_rotation")
EVENT_COLUMNS = ("t", "side", "event")
STRIDE_COLUMNS = (
    "side", "ic_t", "to_t", "end_t", "contact_time_s", "ankle_angle_at_to_deg", "restricted_pf",
)
REP_COLUMNS = ("side", "start_t", "bottom_t", "end_t", "max_dorsiflexion_deg", "restricted_df")


def angle_columns() -> list[str]:
    """``angles.csv`` columns after ``t``: dorsiflexion of both sides first, as the contract says."""
    return [f"{side}_{name}_deg" for name in ANGLE_NAMES for side in SIDES]


def write_angles(path: Path, t: np.ndarray, angles_rad: Mapping[str, np.ndarray]) -> None:
    """Write per-side (n, 3) angles in rad (dorsiflexion, inversion, internal rotation) in degrees.

    A side missing from ``angles_rad`` gets empty cells, so the columns stay the contract's.
    """
    columns = [t[:, None]]
    for index in range(len(ANGLE_NAMES)):
        for side in SIDES:
            side_angles = angles_rad.get(side)
            values = np.full(len(t), np.nan) if side_angles is None else np.degrees(side_angles[:, index])
            columns.append(values[:, None])
    header = ",".join(["t", *angle_columns()])
    np.savetxt(path, np.hstack(columns), fmt="%.4f", delimiter=",", header=header, comments="")
    path.write_text(path.read_text(encoding="utf-8").replace("nan", ""), encoding="utf-8")


def write_records(path: Path, records: Iterable[Any], columns: Sequence[str]) -> None:
    """Write dataclass or named-tuple records as CSV: the contract's ``columns`` first, then any
    extra fields."""
    rows = [record._asdict() if hasattr(record, "_asdict") else dataclasses.asdict(record) for record in records]
    extra = [key for key in (rows[0] if rows else {}) if key not in columns]
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=[*columns, *extra])
        writer.writeheader()
        writer.writerows({key: _cell(value) for key, value in row.items()} for row in rows)


def write_summary(path: Path, summary: Mapping[str, Any]) -> None:
    """Write ``summary`` as JSON; NaN (no value) becomes null, which JSON readers accept."""
    path.write_text(json.dumps(_nan_as_none(summary), indent=2, default=_json_default) + "\n", encoding="utf-8")


def _nan_as_none(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _nan_as_none(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_nan_as_none(item) for item in value]
    if isinstance(value, float | np.floating) and np.isnan(value):
        return None
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return f"{float(value):.4f}"
    if isinstance(value, bool | np.bool_):
        return str(bool(value)).lower()
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
