"""Logging in to a broker: a refused login is one sentence and exit code 1; a password comes
from the environment, never the command line, and is never printed or logged; TLS."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import ssl
import subprocess

import pytest

from anklet.cli import main
from anklet.errors import BrokerError
from anklet.mqtt import PASSWORD_ENV, MqttPublisher, parse_broker_url
from anklet.mqtt._mosquitto import LocalBroker, _free_port

from .conftest import USERS
from .listen import run_cli_while_subscribed

DEMO = ["demo", "--headless", "--speed", "max", "--scenario", "squats", "--station", "login", "--duration", "4"]
CALIBRATED_DEMO = [*DEMO[:-1], "30"]  # long enough to calibrate and end well


@pytest.fixture
def demo(capsys, monkeypatch):
    """Runs ``anklet demo ... --mqtt URL`` with ``password`` in the environment, as the command
    line does (``anklet.cli.main``); gives its exit code, stdout and stderr."""
    def run(url: str, password: str | None) -> subprocess.CompletedProcess:
        monkeypatch.delenv(PASSWORD_ENV, raising=False)
        if password is not None:
            monkeypatch.setenv(PASSWORD_ENV, password)
        code = main([*DEMO, "--mqtt", url])
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(DEMO, code, out, err)

    return run


def test_a_wrong_password_is_one_sentence_and_never_shown(password_broker, demo):
    url = f"mqtt://coach@127.0.0.1:{password_broker.port}"
    result = demo(url, "not the password")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"anklet: the broker at {url} refused the login of user 'coach' (not authorised); "
        f"check the user in the URL and {PASSWORD_ENV}"
    ]
    assert result.stdout == ""  # refused before the session started: nothing was shown as if published
    assert "not the password" not in result.stderr + result.stdout


def test_an_anonymous_client_refused_is_told_to_log_in(password_broker, demo):
    result = demo(f"mqtt://127.0.0.1:{password_broker.port}", None)
    assert result.returncode == 1
    assert "refused the login of an anonymous client" in result.stderr and PASSWORD_ENV in result.stderr
    assert "Traceback" not in result.stderr


def test_a_password_on_the_command_line_is_refused_and_not_repeated(password_broker, demo):
    result = demo(f"mqtt://coach:{USERS['coach'].replace(' ', '%20')}@127.0.0.1:{password_broker.port}", None)
    assert result.returncode == 1
    assert PASSWORD_ENV in result.stderr and "correct" not in result.stderr and len(result.stderr.splitlines()) == 1


async def test_logs_hold_no_password(password_broker, caplog):
    """Everything anklet and its MQTT libraries log, at every level, on a refused login."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="mqtt")  # aiomqtt's logger for paho, which it sets to WARNING
    broker = parse_broker_url(f"mqtt://coach@127.0.0.1:{password_broker.port}", password="hunter2-secret")
    with pytest.raises(BrokerError) as refused:
        async with MqttPublisher(broker, "s", "a"):
            pass
    assert caplog.records  # paho logs the CONNECT it sends
    assert "hunter2-secret" not in caplog.text and "hunter2-secret" not in str(refused.value)


def test_tls_with_the_broker_s_authority_and_the_password_from_the_environment(tls_broker, certificate):
    url = f"mqtts://station@127.0.0.1:{tls_broker.port}?cafile={certificate[0]}"
    env = os.environ | {PASSWORD_ENV: USERS["station"]}
    tls = ssl.create_default_context(cafile=str(certificate[0]))
    (code, out, err), received = asyncio.run(run_cli_while_subscribed(
        tls_broker.port, [*CALIBRATED_DEMO, "--mqtt", url], topic="anklet/login/#", env=env,
        username="coach", password=USERS["coach"], tls_context=tls,
    ))
    assert code == 0, err
    assert err == "" and USERS["station"] not in out
    goodbye = json.loads([payload for topic, payload in received if topic.endswith("/status")][-1])
    assert goodbye["state"] == "offline" and goodbye["mqtt"]["sent"] > 20


def test_tls_with_an_unknown_authority_is_one_sentence(tls_broker, demo):
    result = demo(f"mqtts://station@127.0.0.1:{tls_broker.port}", USERS["station"])
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"anklet: the broker at mqtts://station@127.0.0.1:{tls_broker.port} shows a TLS certificate anklet cannot "
        "verify; give its authority with ?cafile=PATH"
    ]


def test_a_missing_mosquitto_is_a_sentence_saying_to_install_it(tmp_path, monkeypatch):
    """What the MQTT tests say (through their fixture) on a machine without mosquitto."""
    monkeypatch.setattr("anklet.mqtt._mosquitto.mosquitto_path", lambda: None)
    with pytest.raises(BrokerError, match=r"mosquitto is not installed; install mosquitto \(Debian/Ubuntu: sudo apt-get install mosquitto\)"):
        LocalBroker(tmp_path).start()


def test_a_broker_that_cannot_be_reached_only_warns(capsys, caplog):
    """No broker at the start: the session runs to its end all the same, saying so twice."""
    url = f"mqtt://127.0.0.1:{_free_port()}"  # nothing listens there
    assert main([*CALIBRATED_DEMO, "--mqtt", url]) == 0
    assert len(capsys.readouterr().out.splitlines()) > 300  # the whole session's messages
    first, last = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    assert first == f"the broker at {url} cannot be reached ([Errno 111] Connection refused); the session goes on and anklet keeps trying"
    assert last.endswith(f"messages for {url} were not delivered before the session ended")
