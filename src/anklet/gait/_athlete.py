"""Athlete profiles: body size and the flag thresholds, each with where its number comes from.

A profile is a TOML file (``calibration/athletes/default.toml`` is the default and documents
every key). A profile of one's own is read on top of the default, so it names only what
differs; every threshold it sets needs a source under ``[sources]``.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anklet.errors import ValidationError
from anklet.geometry import ANTHROPOMETRY, FootGeometry

__all__ = ["DEFAULT_ATHLETE", "AthleteProfile", "FlagThresholds", "load_athlete"]

DEFAULT_ATHLETE = Path(__file__).parent / "athletes" / "default.toml"
"""The default profile (``calibration/athletes/default.toml``, linked into the package)."""

_TABLES = ("athlete", "thresholds", "sources")
RESTRICTED_PF_KEYS = {"running": "restricted_pf_to_deg", "walking": "restricted_pf_to_walking_deg"}
"""The profile's ``restricted_pf`` threshold of each gait (``anklet.gait._strides.stride_gait``)."""


@dataclass(frozen=True, slots=True)
class FlagThresholds:
    """Flag thresholds; the default profile says where each default comes from.

    Attributes
    ----------
    restricted_df_squat_deg, restricted_df_lunge_deg
        A squat rep (a split-squat rep, front leg) is ``restricted_df`` when its maximum
        dorsiflexion is below this, deg.
    restricted_df_window_reps, restricted_df_min_reps
        The ``restricted_df`` flag looks at a side's last this many reps, from this rep on.
    restricted_df_raise_fraction, restricted_df_clear_fraction
        It is raised when more than the first fraction of the reps in the window are
        restricted, and cleared when at most the second fraction are (hysteresis).
    knee_to_wall_short_distance_cm, knee_to_wall_tall_distance_cm, knee_to_wall_tall_from_height_m
        Knee-to-wall test: the longest toe this far from the wall, cm; the tall distance from
        this body height on, m (the seed's 4.5 in / 5.5 in / 5 ft 8 in).
    knee_to_wall_touch_tolerance_cm
        A knee this close to the wall counts as touching it, cm.
    tall_kneeling_max_gap_cm, tall_kneeling_tolerance_deg
        The tall-kneeling test passes with at most this gap between the front of the ankle
        and the floor, cm, or when the plantarflexion is at most the tolerance short of the
        angle that leaves that gap, deg (the measurement's uncertainty in kneeling).
    restricted_pf_to_deg, restricted_pf_to_walking_deg
        A running (walking) stride is ``restricted_pf`` when the ankle angle at toe-off is
        above this, deg (a normal walker's toe-off sits at the running one).
    running_flag_window_strides, running_flag_fraction
        The ``restricted_pf`` flag needs at least the fraction of a side's last strides in the
        window.
    running_flag_clear_fraction
        ... and clears when at most this fraction of them are restricted (hysteresis).
    asymmetry_deg, asymmetry_clear_deg
        ``asymmetry``: the two sides' median TO angles over their windows differ by more than
        the first, deg; it clears when they differ by less than the second.
    worsening_deg, worsening_clear_deg
        ``worsening``: a side's median TO angle lost more than the first (deg of
        plantarflexion) since its first full window; it clears below the second.
    """

    restricted_df_squat_deg: float
    restricted_df_lunge_deg: float
    restricted_df_window_reps: int
    restricted_df_min_reps: int
    restricted_df_raise_fraction: float
    restricted_df_clear_fraction: float
    knee_to_wall_short_distance_cm: float
    knee_to_wall_tall_distance_cm: float
    knee_to_wall_tall_from_height_m: float
    knee_to_wall_touch_tolerance_cm: float
    tall_kneeling_max_gap_cm: float
    tall_kneeling_tolerance_deg: float
    restricted_pf_to_deg: float
    restricted_pf_to_walking_deg: float
    running_flag_window_strides: int
    running_flag_fraction: float
    running_flag_clear_fraction: float
    asymmetry_deg: float
    asymmetry_clear_deg: float
    worsening_deg: float
    worsening_clear_deg: float

    def __post_init__(self) -> None:
        if not 1 <= self.restricted_df_min_reps <= self.restricted_df_window_reps:
            raise ValueError("restricted_df_min_reps must be at least 1 and at most restricted_df_window_reps")
        if not 0.0 <= self.restricted_df_clear_fraction < self.restricted_df_raise_fraction < 1.0:
            raise ValueError(
                "the fractions must satisfy 0 <= restricted_df_clear_fraction < restricted_df_raise_fraction < 1"
            )
        if not 0.0 < self.running_flag_fraction <= 1.0 or self.running_flag_window_strides < 1:
            raise ValueError("running_flag_fraction must be in (0, 1] and running_flag_window_strides at least 1")
        if min(self.knee_to_wall_short_distance_cm, self.knee_to_wall_tall_distance_cm) <= 0.0:
            raise ValueError("the knee-to-wall distances must be positive")
        if min(self.knee_to_wall_touch_tolerance_cm, self.tall_kneeling_max_gap_cm) < 0.0 or (
            self.tall_kneeling_tolerance_deg < 0.0
        ):
            raise ValueError("the knee-to-wall and tall-kneeling tolerances and the gap must not be negative")

    @property
    def restricted_pf_to_deg_by_gait(self) -> dict[str, float]:
        """The ``restricted_pf`` threshold of each gait (``stride_gait``), deg."""
        return {gait: getattr(self, key) for gait, key in RESTRICTED_PF_KEYS.items()}


@dataclass(frozen=True)
class AthleteProfile:
    """One athlete: name, body height and shank length (m), thresholds and their sources."""

    name: str
    height_m: float
    shank_length_m: float
    thresholds: FlagThresholds
    sources: Mapping[str, str]

    @property
    def body(self) -> FootGeometry:
        """Foot landmarks scaled to the height, with the athlete's own shank length."""
        return dataclasses.replace(FootGeometry.for_body(self.height_m), shank_length_m=self.shank_length_m)

    @property
    def knee_to_wall_distance_m(self) -> float:
        """Toe-to-wall distance of the knee-to-wall test for this athlete's height, m."""
        th = self.thresholds
        tall = self.height_m >= th.knee_to_wall_tall_from_height_m
        return (th.knee_to_wall_tall_distance_cm if tall else th.knee_to_wall_short_distance_cm) / 100.0


def load_athlete(path: str | Path | None = None) -> AthleteProfile:
    """The default profile, with the file at ``path`` (if any) read on top of it.

    Raises ValidationError with one sentence naming the file and what is wrong.
    """
    merged = _read(DEFAULT_ATHLETE)
    _check_sourced(merged, DEFAULT_ATHLETE.name)
    if path is not None:
        own = _read(Path(path))
        _check_sourced(own, Path(path).name)
        merged = {table: {**merged.get(table, {}), **own.get(table, {})} for table in _TABLES}
    return _profile(merged, Path(path or DEFAULT_ATHLETE).name)


def _read(path: Path) -> dict[str, Any]:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError(f"there is no athlete profile at {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(f"athlete profile {path.name} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ValidationError(f"athlete profile {path} cannot be read: {exc.strerror}") from None
    _reject_unknown(document, set(_TABLES), "the file", path.name)
    for table in _TABLES:
        if not isinstance(document.get(table, {}), dict):
            raise ValidationError(f"athlete profile {path.name}: {table} must be a table, [{table}]")
    return document


def _check_sourced(document: dict[str, Any], name: str) -> None:
    """Every threshold a profile sets must say where its number comes from."""
    sources = document.get("sources", {})
    for key in document.get("thresholds", {}):
        if not isinstance(sources.get(key), str) or not sources[key].strip():
            raise ValidationError(f"athlete profile {name}: threshold {key!r} needs a source under [sources]")


def _profile(merged: dict[str, Any], name: str) -> AthleteProfile:
    athlete, thresholds = merged.get("athlete", {}), merged.get("thresholds", {})
    _reject_unknown(athlete, {"name", "height_m", "shank_length_m"}, "[athlete]", name)
    fields = {field.name: field for field in dataclasses.fields(FlagThresholds)}
    _reject_unknown(thresholds, set(fields), "[thresholds]", name)
    _reject_unknown(merged.get("sources", {}), set(fields), "[sources]", name)
    height_m = _number(athlete, "height_m", name)
    if not 0.5 <= height_m <= 2.5:
        raise ValidationError(f"athlete profile {name}: height_m must be between 0.5 and 2.5 m, not {height_m:g}")
    # Winter's proportion when the shank was not measured
    shank_length_m = _number(athlete, "shank_length_m", name) if "shank_length_m" in athlete else (
        ANTHROPOMETRY["shank_length"] * height_m
    )
    if not 0.15 <= shank_length_m <= 0.7:
        raise ValidationError(
            f"athlete profile {name}: shank_length_m must be between 0.15 and 0.7 m, not {shank_length_m:g}"
        )
    values = {key: _number(thresholds, key, name, integer=fields[key].type == "int") for key in fields}
    try:
        flag_thresholds = FlagThresholds(**values)
    except ValueError as exc:
        raise ValidationError(f"athlete profile {name}: {exc}") from None
    return AthleteProfile(str(athlete.get("name", name)), height_m, shank_length_m, flag_thresholds, merged["sources"])


def _number(table: dict[str, Any], key: str, name: str, integer: bool = False) -> Any:
    if key not in table:
        raise ValidationError(f"athlete profile {name}: {key} is missing")
    value = table[key]
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise ValidationError(
            f"athlete profile {name}: {key} must be {'a whole number' if integer else 'a number'}, not {value!r}"
        )
    return value if integer else float(value)


def _reject_unknown(table: dict[str, Any], known: set[str], where: str, name: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        known_keys = ", ".join(sorted(known))
        raise ValidationError(f"athlete profile {name}: {where} has no setting {unknown[0]!r}; known: {known_keys}")
