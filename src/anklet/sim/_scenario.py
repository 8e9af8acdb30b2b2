"""Scenario files: TOML tables that fill the simulator's parameter dataclasses.

A scenario names its motion (``kind``) and, table by table, overrides the defaults of the
dataclass behind it: ``[motion]`` the motion model's params, ``[imu]`` the sensor error model,
``[firmware]`` the firmware, ``[link]`` the BLE link. ``[link.<sensor>]`` and
``[firmware.<sensor>]`` override one sensor only (a disconnect, a reboot). ``[[taps]]`` entries
(``t_s``, ``sensor``) tap one sensor each (``anklet.sim._tap``). Unknown keys are errors: a typo
must not silently fall back to a default.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anklet.errors import ValidationError
from anklet.geometry import SENSOR_NAMES
from anklet.sim._tap import Tap, parse_taps

SCENARIO_DIR = Path(__file__).parent / "scenarios"


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario file; tables are kept raw until the session builds its dataclasses."""

    name: str
    kind: str
    description: str
    duration_s: float
    sample_rate_hz: float
    sensors: tuple[str, ...]
    mounting: str
    motion: dict[str, Any] = field(default_factory=dict)
    imu: dict[str, Any] = field(default_factory=dict)
    firmware: dict[str, Any] = field(default_factory=dict)
    link: dict[str, Any] = field(default_factory=dict)
    per_sensor_firmware: dict[str, dict[str, Any]] = field(default_factory=dict)
    per_sensor_link: dict[str, dict[str, Any]] = field(default_factory=dict)
    taps: tuple[Tap, ...] = ()


def available_scenarios() -> list[str]:
    """Names of the scenarios shipped with anklet."""
    return sorted(path.stem for path in SCENARIO_DIR.glob("*.toml"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a shipped scenario by name, or any scenario file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = SCENARIO_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        known = ", ".join(available_scenarios())
        raise ValidationError(f"no scenario '{name_or_path}': give a TOML file or one of {known}")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(f"scenario {path.name} is not valid TOML: {exc}") from None
    return _parse(document, path.stem)


def _parse(document: dict[str, Any], default_name: str) -> Scenario:
    head = document.get("scenario", {})
    _reject_unknown(
        head,
        {"name", "kind", "description", "duration_s", "sample_rate_hz", "sensors", "mounting"},
        "[scenario]",
    )
    sensors = tuple(head.get("sensors", SENSOR_NAMES))
    unknown_sensors = set(sensors) - set(SENSOR_NAMES)
    if unknown_sensors:
        raise ValidationError(
            f"[scenario] sensors {sorted(unknown_sensors)} are not among {', '.join(SENSOR_NAMES)}"
        )
    _reject_unknown(document, {"scenario", "motion", "imu", "firmware", "link", "taps"}, "the file")
    firmware, per_sensor_firmware = _split_per_sensor(document.get("firmware", {}))
    link, per_sensor_link = _split_per_sensor(document.get("link", {}))
    try:
        duration_s = float(head.get("duration_s", 60.0))
        return Scenario(
            name=str(head.get("name", default_name)),
            kind=str(head["kind"]),
            description=str(head.get("description", "")),
            duration_s=duration_s,
            sample_rate_hz=float(head.get("sample_rate_hz", 200.0)),
            sensors=sensors,
            mounting=str(head.get("mounting", "random")),
            motion=dict(document.get("motion", {})),
            imu=dict(document.get("imu", {})),
            firmware=firmware,
            link=link,
            per_sensor_firmware=per_sensor_firmware,
            per_sensor_link=per_sensor_link,
            taps=parse_taps(document.get("taps", []), sensors, duration_s),
        )
    except KeyError:
        raise ValidationError("[scenario] must say which motion it is: kind = \"running\", ...") from None
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"[scenario] has a value of the wrong type: {exc}") from None


def _split_per_sensor(table: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    shared = {key: value for key, value in table.items() if key not in SENSOR_NAMES}
    per_sensor = {key: value for key, value in table.items() if key in SENSOR_NAMES}
    return shared, per_sensor


def _reject_unknown(table: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise ValidationError(f"{where} has no setting {unknown[0]!r}; known: {', '.join(sorted(known))}")


def build_params(cls: type, overrides: dict[str, Any], where: str) -> Any:
    """Instantiate a params dataclass from a TOML table, naming the table in any error."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    _reject_unknown(overrides, set(fields), where)
    converted = {name: _as_field_type(value, fields[name]) for name, value in overrides.items()}
    try:
        return cls(**converted)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{where}: {exc}") from None


def _as_field_type(value: Any, spec: dataclasses.Field) -> Any:
    """TOML has lists where the dataclasses hold tuples (frozen, hashable)."""
    if isinstance(value, list):
        return tuple(tuple(item) if isinstance(item, list) else item for item in value)
    if spec.type in ("float", float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value
