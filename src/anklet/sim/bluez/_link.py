"""Bumble devices on a shared virtual link: each a host and its own virtual controller."""

from bumble import hci
from bumble.controller import Controller
from bumble.device import Device
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink


class VirtualController(Controller):
    """bumble's virtual controller, with data length extension and an LE Create Connection
    Cancel that really cancels.

    bumble's own takes LE ACL data 27 bytes at a time, so a 240-byte data packet crossed the
    host-controller interface as ten fragments, ten times the HCI traffic (and CPU) of the
    one LL payload of 251 bytes that PROTOCOL.md's firmware negotiates.

    bumble's own acknowledges a cancel but keeps waiting for the peer, so a cancelled attempt
    would connect later on its own and block every other attempt meanwhile. As the Core spec
    asks (Vol 4, Part E, 7.8.13), this one forgets the attempt and reports it failed, with
    Unknown Connection Identifier.
    """

    le_acl_data_packet_length = 251

    def on_hci_le_create_connection_cancel_command(
        self, _command: hci.HCI_LE_Create_Connection_Cancel_Command
    ) -> hci.HCI_StatusReturnParameters:
        pending = self.pending_le_connection
        if pending is None:
            return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.COMMAND_DISALLOWED_ERROR)
        self.pending_le_connection = None
        self.send_hci_packet(
            hci.HCI_LE_Connection_Complete_Event(
                status=hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR,
                connection_handle=0,
                role=hci.Role.CENTRAL,
                peer_address_type=pending.peer_address.address_type,
                peer_address=pending.peer_address,
                connection_interval=0,
                peripheral_latency=0,
                supervision_timeout=0,
                central_clock_accuracy=0,
            )
        )
        return hci.HCI_StatusReturnParameters(hci.HCI_ErrorCode.SUCCESS)


def bumble_device(link: LocalLink, address: str, name: str) -> Device:
    """A bumble host and controller pair on ``link``, using ``address``, with GAP name ``name``."""
    controller = VirtualController(f"controller {address}", link=link, public_address=address)
    return Device(name=name, address=hci.Address(address), host=Host(controller, AsyncPipeSink(controller)))
