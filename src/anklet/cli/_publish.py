"""``--mqtt URL`` and ``--station NAME``, shared by the commands that run a session (``demo``,
``live``): where its messages are published besides the terminal (``anklet.mqtt``)."""

from __future__ import annotations

import argparse
import socket

from anklet.mqtt import PASSWORD_ENV, Publication, parse_broker_url


def add_mqtt_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mqtt", metavar="URL",
                        help=f"also publish to this MQTT broker: mqtt://host:1883 or mqtts://user@host:8883 "
                             f"(the password from {PASSWORD_ENV}, never the URL)")
    parser.add_argument("--station", metavar="NAME", help="this station's name in the MQTT topics (default: the host name)")


def publication_of(args: argparse.Namespace, athlete: str, *, station: str = "") -> Publication | None:
    """Where ``args`` say to publish ``athlete``'s session (None without ``--mqtt``): the
    station is ``--station``, else ``station`` (a session config's), else the host name."""
    if args.mqtt is None:
        return None
    return Publication(parse_broker_url(args.mqtt), args.station or station or socket.gethostname(), athlete)
