"""A private D-Bus daemon for one test or demo: nothing outside this process talks to it."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from anklet.errors import AnkletError

# Allow everything: the bus lives in a private directory and only this process connects.
_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={directory}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""


def dbus_daemon_path() -> str | None:
    """Where ``dbus-daemon`` is installed, or None if it is not."""
    return shutil.which("dbus-daemon")


@asynccontextmanager
async def private_bus(*, start_timeout_s: float = 10.0) -> AsyncIterator[str]:
    """Run a ``dbus-daemon`` of its own for the ``async with`` block and yield its address.

    Nothing global is touched: callers point clients at the address (bleak reads it from
    ``DBUS_SYSTEM_BUS_ADDRESS``). Raises AnkletError if the daemon is missing or does not
    start within ``start_timeout_s``.
    """
    daemon = dbus_daemon_path()
    if daemon is None:
        raise AnkletError("dbus-daemon is not installed; install the dbus package (Debian: apt install dbus-daemon)")
    with tempfile.TemporaryDirectory(prefix="anklet-dbus-") as directory:
        config = Path(directory) / "bus.conf"
        config.write_text(_CONFIG.format(directory=directory))
        process = await asyncio.create_subprocess_exec(
            daemon, f"--config-file={config}", "--nofork", "--nopidfile", "--print-address",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,  # e.g. that it may not raise its fd limit: not the user's business
        )
        try:
            yield await _read_address(process, start_timeout_s)
        finally:
            await _stop(process)


async def _read_address(process: asyncio.subprocess.Process, timeout_s: float) -> str:
    """The first line the daemon prints is its address; an empty line means it died."""
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), timeout_s)
    except TimeoutError as exc:
        raise AnkletError(f"dbus-daemon printed no address within {timeout_s} s") from exc
    if not line.strip():
        raise AnkletError(f"dbus-daemon exited with code {await process.wait()} before starting")
    return line.decode().strip()


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        await process.wait()
