"""``--mqtt URL`` and ``--station NAME``, shared by the commands that run a session (``demo``,
``live``, ``replay``): where its messages are published besides the terminal
(``anklet.mqtt``). ``live --config`` may name the broker in the session config instead."""

from __future__ import annotations

import argparse
import socket
import tomllib
from pathlib import Path

from anklet.errors import ValidationError
from anklet.mqtt import PASSWORD_ENV, Publication, parse_broker_url


def add_mqtt_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mqtt", metavar="URL",
                        help=f"also publish to this MQTT broker: mqtt://host:1883 or mqtts://user@host:8883 "
                             f"(the password from {PASSWORD_ENV}, never the URL)")
    parser.add_argument("--station", metavar="NAME", help="this station's name in the MQTT topics (default: the host name)")


def publication_of(
    args: argparse.Namespace, athlete: str, *, station: str = "", config: str | Path | None = None
) -> Publication | None:
    """Where to publish ``athlete``'s session: ``--mqtt``, else the ``[mqtt]`` table of the
    session ``config`` (``url``, and ``password`` if it is not in the environment); None for
    neither. The station is ``--station``, else ``station`` (a session config's), else the
    host name."""
    url, password = args.mqtt, None
    if url is None and config is not None:
        url, password = _config_broker(Path(config))
    if url is None:
        return None
    return Publication(parse_broker_url(url, password=password), args.station or station or socket.gethostname(), athlete)


def _config_broker(path: Path) -> tuple[str | None, str | None]:
    """The ``[mqtt]`` table's ``url`` and ``password`` (both None when there is no table)."""
    table = tomllib.loads(path.read_text(encoding="utf-8")).get("mqtt")  # load_session_config has read it already
    if table is None:
        return None, None
    if not isinstance(table, dict) or not isinstance(table.get("url"), str) or set(table) - {"url", "password"}:
        raise ValidationError(f"session config {path}: [mqtt] takes url = \"mqtt://host:1883\" and, if need be, password = \"...\"")
    password = table.get("password")
    if password is not None and not isinstance(password, str):
        raise ValidationError(f"session config {path}: [mqtt] password must be a string")
    return table["url"], password
