"""The event loop a call is made on, if any: the pipeline and the recorder move long work to a
thread only when there is a loop to hand the result back to."""

from __future__ import annotations

import asyncio


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop, or None when called outside one (a script feeding steps itself)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
