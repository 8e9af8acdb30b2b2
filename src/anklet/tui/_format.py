"""Numbers as the coach reads them: degrees with a sign, '--' for what is not known yet."""

from __future__ import annotations

__all__ = ["degrees", "number"]


def degrees(value: float | None, digits: int = 1) -> str:
    return "--" if value is None else f"{value:+.{digits}f}°"


def number(value: float | None, unit: str = "", digits: int = 2) -> str:
    return "--" if value is None else f"{value:.{digits}f}{unit}"
