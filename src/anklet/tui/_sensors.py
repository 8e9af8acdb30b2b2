"""The sensor panel: per sensor, connected or lost, the rate received, packets lost, battery
and clock drift, as the pipeline's ``status`` message last said."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.containers import Grid
from textual.widgets import Static

from anklet.tui._updates import update_if_changed

__all__ = ["SensorPanel", "sensor_text"]

LOSS_WARN_PCT, LOSS_BAD_PCT = 2.0, 10.0
BATTERY_LOW_PCT = 20


def sensor_text(sensor: dict[str, Any]) -> Text:
    """One sensor in one line: ``● L shank  200 Hz  0.4%  87%  +3 ppm``. Drift shows when
    the status carries ``clock_drift_ppm``, else ``--``."""
    side, _, segment = sensor["name"].partition("_")
    text = Text(no_wrap=True, overflow="ellipsis")
    if sensor.get("connected"):
        text.append("● ", style="bold green")
    else:
        text.append("✗ ", style="bold white on red")
    text.append(f"{side[:1].upper()} {segment:<6}", style="bold")
    received = sensor.get("received_hz", sensor.get("rate_hz"))
    text.append(f"{received:>4.0f} Hz" if received is not None else "  -- Hz")
    loss = sensor.get("loss_pct")
    loss_style = "" if loss is None or loss < LOSS_WARN_PCT else ("bold red" if loss >= LOSS_BAD_PCT else "yellow")
    text.append(f" {loss:>4.1f}%" if loss is not None else "   --%", style=loss_style)
    battery = sensor.get("battery_pct")
    battery_style = "bold red" if battery is not None and battery < BATTERY_LOW_PCT else ""
    text.append(f" {battery:>3.0f}%" if battery is not None else "  --%", style=battery_style)
    drift = sensor.get("clock_drift_ppm")
    text.append(f" {drift:+4.0f} ppm" if drift is not None else "   -- ppm", style="dim")
    return text


class SensorPanel(Grid):
    """Up to four sensors, two or four to a row (the stylesheet decides)."""

    BORDER_TITLE = "sensors · rate · loss · battery · clock drift"

    def show(self, sensors: list[dict[str, Any]]) -> None:
        cells = list(self.query(Static))
        if len(cells) != len(sensors):
            self.remove_children()
            cells = [Static(classes="sensor") for _ in sensors]
            self.mount_all(cells)
        for cell, sensor in zip(cells, sensors, strict=True):
            update_if_changed(cell, sensor_text(sensor))
