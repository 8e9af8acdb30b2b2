"""The session report: a self-contained HTML page and its PNG figures for the physio, coach or
sports scientist who reads a session afterwards (docs/report.md). matplotlib is imported here
only, so only ``anklet report`` pays for it."""

from anklet.report._health import SensorHealth, sensor_health
from anklet.report._page import ReportFigure
from anklet.report._write import thresholds_used, write_report

__all__ = ["ReportFigure", "SensorHealth", "sensor_health", "thresholds_used", "write_report"]
