"""``anklet protocol decode HEX``: print one decoded packet, for firmware bring-up."""

from __future__ import annotations

import argparse
import json

from anklet.errors import ProtocolError
from anklet.protocol import describe_packet


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("protocol", description="Tools for the sensors' firmware protocol (DESIGN.md).")
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    decode = actions.add_parser("decode", help="decode one packet given as hex")
    decode.add_argument("hex", metavar="HEX", help="packet bytes as hex (spaces and colons allowed)")
    decode.set_defaults(handler=_decode)


def _decode(args: argparse.Namespace) -> int:
    cleaned = args.hex.replace(" ", "").replace(":", "").removeprefix("0x")
    try:
        payload = bytes.fromhex(cleaned)
    except ValueError:
        raise ProtocolError("not_hex", "HEX must be an even number of hexadecimal digits") from None
    print(json.dumps(describe_packet(payload), indent=2))
    return 0
