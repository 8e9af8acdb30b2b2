"""In a terminal view stderr is the view's: the publisher's warnings (a lost broker) show as
the view's notices instead, from the loop's thread or (never waiting on the loop) another."""

from __future__ import annotations

import logging
import threading

from tui.feeds import QueueFeed, coach_app  # tests/tui: the coach view's test feeds

from anklet.tui import warnings_as_notices


async def test_warnings_become_notices():
    app = coach_app(QueueFeed(), "running")
    with warnings_as_notices(app):
        async with app.run_test(size=(100, 30)) as pilot:
            logging.getLogger("anklet.mqtt._publisher").warning("lost the broker at %s ([Errno 111] refused)", "mqtt://gym:1883")
            worker = threading.Thread(target=logging.getLogger("anklet.pipeline").warning, args=("from a thread",))
            worker.start()
            worker.join()
            logging.getLogger("anklet.mqtt").info("not a warning")
            await pilot.pause(0.2)
            shown = [notice.message for notice in app._notifications]  # what the toasts show
    assert shown == ["lost the broker at mqtt://gym:1883 ([Errno 111] refused)", "from a thread"]
    assert not logging.getLogger("anklet").handlers  # gone with the view
