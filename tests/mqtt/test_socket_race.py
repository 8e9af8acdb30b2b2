"""aiomqtt's add_writer on a closed socket stays off the terminal; every other loop error does
not, and the loop's own handler comes back when the last publisher leaves."""

from __future__ import annotations

import asyncio
import errno
import logging

from anklet.mqtt._connection import quiet_socket_race


async def test_only_the_closed_socket_writer_is_quieted(caplog):
    loop = asyncio.get_running_loop()
    seen: list[dict] = []
    loop.set_exception_handler(lambda _loop, context: seen.append(context))
    caplog.set_level(logging.DEBUG, logger="anklet.mqtt")
    race = {"exception": OSError(errno.EBADF, "Bad file descriptor"), "handle": "<Handle BaseSelectorEventLoop.add_writer(16, ...)>"}
    other = {"exception": OSError(errno.EBADF, "Bad file descriptor"), "handle": "<Handle something_else()>"}
    with quiet_socket_race():
        with quiet_socket_race():  # two publishers in one loop
            loop.call_exception_handler(race)
        loop.call_exception_handler(race)
        loop.call_exception_handler(other)
    assert seen == [other]
    assert "closed socket" in caplog.text
    loop.call_exception_handler(race)  # the last one left: the loop's handler is back
    assert seen == [other, race]
    loop.set_exception_handler(None)
