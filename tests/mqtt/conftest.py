"""A real mosquitto on a free loopback port for the MQTT tests (``anklet.mqtt._mosquitto``).

The tests fail, saying to install it, when mosquitto is missing: a broker is part of what
they test, and a skip would count a missing broker as passing.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from anklet.errors import BrokerError
from anklet.mqtt._mosquitto import LocalBroker

from .listen import HeadlessWatch, json_lines, run_cli_while_subscribed


def started(broker: LocalBroker) -> LocalBroker:
    try:
        broker.start()
    except BrokerError as exc:
        pytest.fail(str(exc), pytrace=False)
    return broker


@pytest.fixture(scope="session")
def broker(tmp_path_factory) -> Iterator[LocalBroker]:
    """An anonymous broker shared by the tests that only publish and subscribe."""
    local = started(LocalBroker(tmp_path_factory.mktemp("mosquitto")))
    yield local
    local.stop()


@pytest.fixture
def own_broker(tmp_path) -> Iterator[LocalBroker]:
    """A broker of the test's own, which it may kill and start again."""
    local = started(LocalBroker(tmp_path / "mosquitto"))
    yield local
    local.stop()


USERS = {"coach": "correct horse 7", "station": "battery staple 9"}


@pytest.fixture(scope="session")
def password_broker(tmp_path_factory) -> Iterator[LocalBroker]:
    """A broker that lets in only ``USERS``, with their passwords."""
    local = started(LocalBroker(tmp_path_factory.mktemp("mosquitto-login"), users=USERS))
    yield local
    local.stop()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate (and its key) for 127.0.0.1, made with the openssl command."""
    directory = tmp_path_factory.mktemp("tls")
    certificate, key = directory / "broker.pem", directory / "broker.key"
    if shutil.which("openssl") is None:
        pytest.fail("the TLS tests make their certificate with openssl; install it (Debian/Ubuntu: sudo apt-get install openssl)", pytrace=False)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(certificate)],
        check=True, capture_output=True,
    )
    return certificate, key


@pytest.fixture(scope="session")
def tls_broker(tmp_path_factory, certificate) -> Iterator[LocalBroker]:
    """mqtts:// with ``certificate``, letting in only ``USERS``."""
    local = started(LocalBroker(tmp_path_factory.mktemp("mosquitto-tls"), users=USERS, tls=certificate))
    yield local
    local.stop()


SESSIONS = {  # scenario: seconds; together they make every message type
    "restricted_pf_right": 30,  # events, strides, flags
    "knee_to_wall": 40,  # reps, an assessment, a flag
}


@pytest.fixture(scope="session")
def published(broker):
    """Per scenario: the demo's headless messages, and the (topic, payload) pairs a subscriber
    got; and what ``anklet watch --headless`` printed meanwhile."""
    watch = HeadlessWatch(broker.port, "--station", "bench_*").start()
    runs = {}
    for scenario, duration_s in SESSIONS.items():
        argv = ["demo", "--headless", "--speed", "max", "--scenario", scenario, "--duration", str(duration_s),
                "--mqtt", broker.url, "--station", f"bench {scenario}"]
        topic = f"anklet/bench_{scenario}/#"  # not the other run's retained messages
        (code, out, err), received = asyncio.run(run_cli_while_subscribed(broker.port, argv, topic=topic))
        assert code == 0, err
        assert err == ""  # nothing to warn about: the broker was there all along
        runs[scenario] = json_lines(out), received
    return runs, watch.stop()
