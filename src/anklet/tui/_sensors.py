"""The sensor panel: per sensor, connected or lost, the rate received, packets lost, battery
and clock drift, as the pipeline's ``status`` message last said."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.containers import Grid
from textual.widgets import Static

from anklet.tui._updates import update_if_changed

__all__ = ["SensorPanel", "drift_text", "sensor_text"]

LOSS_WARN_PCT, LOSS_BAD_PCT = 2.0, 10.0
BATTERY_LOW_PCT = 20


def sensor_text(sensor: dict[str, Any]) -> Text:
    """One sensor in one line: ``● L shank  200 Hz  0.4%  87%  +32 ppm``. The clock drift is
    ``clock_drift_ppm`` once the pipeline has resolved it, ``<17 ppm`` while it only knows a
    bound (``clock_drift_below_ppm``: the drift is too small to resolve yet), else ``--``."""
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
    return text.append_text(drift_text(sensor))


def drift_text(sensor: dict[str, Any]) -> Text:
    """The clock drift of one status entry, 9 columns: `` +32 ppm``, `` <17 ppm`` or ``  -- ppm``."""
    drift, below = sensor.get("clock_drift_ppm"), sensor.get("clock_drift_below_ppm")
    if drift is not None:
        return Text(f" {drift:+4.0f} ppm")
    if below is not None:
        return Text(f" {f'<{below:.0f}':>4} ppm", style="dim")
    return Text("   -- ppm", style="dim")


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
