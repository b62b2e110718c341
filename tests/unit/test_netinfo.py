"""The address printed into QR codes comes from the interfaces, never from the host name
(Debian maps the host name to 127.0.1.1). Fake interface lists stand in for the machine."""

from __future__ import annotations

import socket

import pytest
from ifaddr import IP, Adapter

from votingapp import netinfo
from votingapp.netinfo import is_loopback, lan_addresses


def adapter(name: str, *addresses: str) -> Adapter:
    ips = [IP(address, 24, name) for address in addresses] + [IP(("fe80::1", 0, 0), 64, name)]
    return Adapter(name, name, ips)


LOOPBACK = adapter("lo", "127.0.0.1")


@pytest.fixture(autouse=True)
def host_name_resolves_to_loopback(monkeypatch):
    """As on Debian: resolving the host name gives 127.0.1.1, so any code that used it fails."""
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, 0, 0, "", ("127.0.1.1", 0))])
    monkeypatch.setattr(socket, "gethostbyname", lambda *a, **k: "127.0.1.1")


def test_loopback_only_gives_no_address():
    assert lan_addresses([LOOPBACK], primary=None) == []


def test_one_lan_address_is_found_beside_loopback():
    assert lan_addresses([LOOPBACK, adapter("wlp2s0", "192.168.1.23")], primary=None) == ["192.168.1.23"]


def test_several_lan_addresses_put_the_default_route_first():
    adapters = [LOOPBACK, adapter("enp3s0", "10.0.0.5"), adapter("wlp2s0", "192.168.1.23")]
    assert lan_addresses(adapters, primary="192.168.1.23") == ["192.168.1.23", "10.0.0.5"]


def test_several_lan_addresses_put_private_physical_before_public_and_bridges():
    adapters = [adapter("docker0", "172.17.0.1"), adapter("eth1", "203.0.113.9"), LOOPBACK,
                adapter("wlp2s0", "192.168.1.23"), adapter("virbr0", "192.168.122.1")]
    assert lan_addresses(adapters, primary=None) == ["192.168.1.23", "203.0.113.9", "172.17.0.1", "192.168.122.1"]


def test_link_local_and_duplicate_addresses_are_skipped():
    adapters = [adapter("eth0", "169.254.10.2", "192.168.1.23"), adapter("eth0:1", "192.168.1.23")]
    assert lan_addresses(adapters, primary=None) == ["192.168.1.23"]


def test_a_default_route_to_an_unknown_address_is_ignored():
    """The probe's answer counts only when an interface holds it (no stray NAT address first)."""
    assert lan_addresses([adapter("wlp2s0", "192.168.1.23")], primary="10.9.9.9") == ["192.168.1.23"]


def test_the_real_machine_lists_no_loopback():
    assert not any(is_loopback(address) for address in lan_addresses())


def test_default_route_probe_sends_nothing_and_survives_no_route(monkeypatch):
    class NoRoute:
        def __init__(self, *args): pass
        def __enter__(self): return self
        def __exit__(self, *args): return False
        def connect(self, address): raise OSError("Network is unreachable")
    monkeypatch.setattr(netinfo.socket, "socket", NoRoute)
    assert netinfo.default_route_address() is None


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.1.1", True), ("localhost", True), ("[::1]", True), ("::1", True),
    ("192.168.1.23", False), ("hall.example", False), ("", False)])
def test_loopback_hosts_are_recognised(host, loopback):
    assert is_loopback(host) is loopback
