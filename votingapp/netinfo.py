"""Which address phones on the meeting-hall LAN should open.

The addresses come from the network interfaces themselves (`ifaddr`), never from resolving the
host name: Debian and Ubuntu map the host name to 127.0.1.1, which a phone cannot open. The
address of the interface that holds the default route (found by "connecting" a UDP socket,
which sends no packet) comes first, so on a laptop with Wi-Fi and a container bridge the QR
codes carry the Wi-Fi address.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

import ifaddr

#: interfaces that no phone in the hall is on: container and VM bridges, VPN tunnels
VIRTUAL_PREFIXES = ("docker", "br-", "veth", "virbr", "vboxnet", "vmnet", "cni", "flannel", "tun", "tap", "wg",
                    "zt", "tailscale")
#: a documentation address (RFC 5737): "connecting" a UDP socket to it picks the default route
_ROUTE_PROBE = ("192.0.2.1", 9)
#: the private ranges of RFC 1918, where meeting-hall Wi-Fi lives
RFC1918 = tuple(ipaddress.IPv4Network(net) for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


def is_loopback(host: str) -> bool:
    """True for 127.x.y.z, ::1 and "localhost": an address only this computer can open."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def default_route_address() -> str | None:
    """This machine's source address toward the default route; no packet is sent (UDP connect)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(_ROUTE_PROBE)
            return probe.getsockname()[0]
    except OSError:  # no route at all: an offline laptop
        return None


def _usable(address: str) -> bool:
    ip = ipaddress.IPv4Address(address)
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast)


def lan_addresses(adapters: Iterable | None = None, primary: str | None = "") -> list[str]:
    """Non-loopback IPv4 addresses of this machine, best first: the default route's address,
    then private (RFC 1918) addresses of physical interfaces, then any other. `adapters`
    (ifaddr.Adapter-like) and `primary` are for tests; by default both are read from the system."""
    adapters = ifaddr.get_adapters() if adapters is None else adapters
    primary = default_route_address() if primary == "" else primary
    physical: list[str] = []
    virtual: list[str] = []
    for adapter in adapters:
        name = (getattr(adapter, "nice_name", None) or adapter.name or "").lower()
        for ip in adapter.ips:
            if not isinstance(ip.ip, str) or not _usable(ip.ip):  # IPv6 entries are tuples
                continue
            (virtual if name.startswith(VIRTUAL_PREFIXES) else physical).append(ip.ip)
    physical.sort(key=lambda address: not any(ipaddress.IPv4Address(address) in net for net in RFC1918))
    found: list[str] = []
    preferred = [primary] if primary is not None and primary in physical + virtual else []
    for address in preferred + physical + virtual:
        if address not in found:
            found.append(address)
    return found
