"""A STUN responder (RFC 5389 Binding over UDP), so viewers learn their public address from us, not a third party.

WebRTC asks a STUN server "what address do you see me at?" to offer it to other peers behind NAT.
Browsers default to Google's; we answer that question ourselves. Only Binding requests are answered
(with XOR-MAPPED-ADDRESS); anything else is ignored. Nothing is stored: the answer is computed from
the request's source address and forgotten.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import struct

logger = logging.getLogger(__name__)

MAGIC_COOKIE = 0x2112A442
BINDING_REQUEST = 0x0001
BINDING_SUCCESS = 0x0101
XOR_MAPPED_ADDRESS = 0x0020
_HEADER = struct.Struct("!HHI12s")


def binding_response(request: bytes, address: tuple) -> bytes | None:
    """The answer to a Binding request from `address` (host, port, ...), or None for anything else."""
    if len(request) < _HEADER.size:
        return None
    kind, length, cookie, transaction = _HEADER.unpack_from(request)
    if kind != BINDING_REQUEST or cookie != MAGIC_COOKIE or length != len(request) - _HEADER.size:
        return None
    host, port = address[0], address[1]
    ip = ipaddress.ip_address(host)
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    key = struct.pack("!I", MAGIC_COOKIE) + (transaction if ip.version == 6 else b"")
    xored = bytes(a ^ b for a, b in zip(ip.packed, key, strict=False))
    family = 0x01 if ip.version == 4 else 0x02
    value = struct.pack("!BBH", 0, family, port ^ (MAGIC_COOKIE >> 16)) + xored
    attribute = struct.pack("!HH", XOR_MAPPED_ADDRESS, len(value)) + value
    return _HEADER.pack(BINDING_SUCCESS, len(attribute), MAGIC_COOKIE, transaction) + attribute


class StunProtocol(asyncio.DatagramProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, address: tuple) -> None:
        response = binding_response(data, address)
        if response is not None:
            self.transport.sendto(response, address)


async def start_stun(listen: str) -> asyncio.DatagramTransport | None:
    """Listens on `listen` ("host:port"); every web worker may do so (SO_REUSEPORT), the kernel spreads requests.

    A port already taken by another program is logged, not fatal: the site runs without our STUN.
    """
    host, _, port = listen.rpartition(":")
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    try:
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            StunProtocol, local_addr=(host.strip("[]"), int(port)), family=family, reuse_port=True
        )
    except OSError as error:
        logger.warning("STUN responder not started on %s: %s", listen, error)
        return None
    return transport
