"""Bumble devices on a shared virtual link: each a host and its own virtual controller."""

from bumble.controller import Controller
from bumble.device import Device
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink


def bumble_device(link: LocalLink, address: str, name: str) -> Device:
    """A bumble host and controller pair on ``link``, using ``address``, with GAP name ``name``."""
    controller = Controller(f"controller {address}", link=link, public_address=address)
    return Device(name=name, address=Address(address), host=Host(controller, AsyncPipeSink(controller)))
