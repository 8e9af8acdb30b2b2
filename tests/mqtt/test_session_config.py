"""A session config may name the broker (``[mqtt]``), as ``live --config`` reads it."""

from __future__ import annotations

import argparse

import pytest

from anklet.cli._publish import publication_of
from anklet.errors import ValidationError
from anklet.transport import load_session_config

CONFIG = '''station = "treadmill 2"
athlete = "anna"
[sensors]
left_foot = "AK000002"
[mqtt]
url = "mqtts://treadmill-2@broker.gym:8883"
'''


def _args(mqtt: str | None = None, station: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(mqtt=mqtt, station=station)


def test_the_config_names_the_broker_and_the_command_line_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("ANKLET_MQTT_PASSWORD", "from-env")
    path = tmp_path / "session.toml"
    path.write_text(CONFIG)
    config = load_session_config(path)
    publication = publication_of(_args(), config.athlete, station=config.station, config=path)
    assert (publication.station, publication.athlete) == ("treadmill 2", "anna")
    assert publication.broker.display() == "mqtts://treadmill-2@broker.gym:8883" and publication.broker.password == "from-env"
    path.write_text(CONFIG + 'password = "from-config"\n')
    assert publication_of(_args(), "anna", config=path).broker.password == "from-config"
    chosen = publication_of(_args("mqtt://other:1883", "t9"), "anna", station="treadmill 2", config=path)
    assert (chosen.broker.display(), chosen.station) == ("mqtt://other:1883", "t9")
    path.write_text(CONFIG.split("[mqtt]")[0])
    assert publication_of(_args(), "anna", config=path) is None


def test_a_wrong_mqtt_table_is_one_sentence(tmp_path):
    path = tmp_path / "session.toml"
    path.write_text(CONFIG + 'port = 1883\n')
    with pytest.raises(ValidationError, match=r"\[mqtt\] takes url"):
        publication_of(_args(), "anna", config=path)
