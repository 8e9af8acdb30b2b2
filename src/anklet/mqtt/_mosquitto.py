"""A mosquitto broker of its own, on a free loopback port: what the tests and the benchmark
publish to (like ``anklet.sim.bluez``'s private dbus-daemon, nothing global is touched).

It can be killed and started again on the same port (a broker that goes away mid-session),
ask for a password (``mosquitto_passwd``) and speak TLS with a given certificate.
"""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import time
from pathlib import Path

from anklet.errors import BrokerError

__all__ = ["LocalBroker", "mosquitto_path"]

INSTALL_HINT = "install mosquitto (Debian/Ubuntu: sudo apt-get install mosquitto), or run bash scripts/test, which does"


def mosquitto_path() -> str | None:
    """Where the ``mosquitto`` broker is installed (Debian puts it in /usr/sbin), or None."""
    return shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin:/usr/local/sbin")


class LocalBroker:
    """mosquitto on 127.0.0.1 with a configuration written into ``directory``.

    ``users``: user -> password (then anonymous clients are refused); ``tls``: (certificate
    file, key file) for an mqtts:// listener. ``start()`` waits until it accepts connections;
    ``kill()`` ends it without a goodbye (SIGKILL), as a crashed broker ends; ``start()`` again
    reuses the port. ``url`` is how anklet names it.
    """

    def __init__(self, directory: Path, *, users: dict[str, str] | None = None, tls: tuple[Path, Path] | None = None) -> None:
        self.directory = Path(directory)
        self.users = users
        self.tls = tls
        self.port = _free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 10.0) -> None:
        executable = mosquitto_path()
        if executable is None:
            raise BrokerError(f"mosquitto is not installed; {INSTALL_HINT}")
        config = self._write_config()
        log = (self.directory / "mosquitto.log").open("ab")
        self._process = subprocess.Popen([executable, "-c", str(config)], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while not _accepts(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                tail = (self.directory / "mosquitto.log").read_text(errors="replace")[-400:]
                raise BrokerError(f"mosquitto did not start on port {self.port}: {tail.strip()}")
            time.sleep(0.02)

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._process = None

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def __enter__(self) -> LocalBroker:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _write_config(self) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        lines = [f"listener {self.port} 127.0.0.1", "persistence false", "log_dest stderr", "log_type error", "log_type warning",
                 f"user {getpass.getuser()}"]  # started as root, mosquitto would become "mosquitto" and not read our files
        if self.users is None:
            lines.append("allow_anonymous true")
        else:
            lines += ["allow_anonymous false", f"password_file {self._password_file()}"]
        if self.tls is not None:
            certificate, key = self.tls
            lines += [f"certfile {certificate}", f"keyfile {key}"]
        config = self.directory / "mosquitto.conf"
        config.write_text("\n".join(lines) + "\n")
        return config

    def _password_file(self) -> Path:
        tool = shutil.which("mosquitto_passwd")
        if tool is None:
            raise BrokerError(f"mosquitto_passwd is not installed; {INSTALL_HINT}")
        path = self.directory / "passwords"
        path.write_text("")
        for user, password in (self.users or {}).items():
            subprocess.run([tool, "-b", str(path), user, password], check=True, capture_output=True)
        path.chmod(0o600)
        return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False
