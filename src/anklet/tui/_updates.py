"""Redraw only what changed. A redraw shows the whole view from the model, but between two of
them most of the screen says the same (a stride comes every 0.7 s, a status every second), and
Textual lays out and renders again whatever is updated or refreshed, equal or not: that was
most of the coach view's CPU."""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from textual.widget import Widget
from textual.widgets import Static

_shown: WeakKeyDictionary[Widget, Any] = WeakKeyDictionary()


def update_if_changed(widget: Static, content: Any) -> None:
    """``widget.update(content)`` unless it already shows content equal to it."""
    if _shown.get(widget) != content:
        _shown[widget] = content
        widget.update(content)


def refresh_if_changed(widget: Widget, state: Any) -> None:
    """``widget.refresh()`` unless what it renders from (``state``, comparable) is unchanged."""
    if _shown.get(widget) != state:
        _shown[widget] = state
        widget.refresh()
