"""Which address phones on the meeting-hall LAN should open."""

from __future__ import annotations

import socket


def lan_addresses() -> list[str]:
    """Non-loopback IPv4 addresses of this machine (no packet is sent to find them)."""
    found = []
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        infos = []
    for info in infos:
        address = info[4][0]
        if not address.startswith("127.") and address not in found:
            found.append(address)
    return found
