"""The session page and the kiosk show the address the QR codes carry, and a red warning when
it is loopback, which no phone can open (issue 11: Debian maps the host name to 127.0.1.1)."""

from __future__ import annotations

import re

import pytest

from votingapp import netinfo

from ..helpers import element
from ..helpers import post_form as post


@pytest.fixture
def interfaces(monkeypatch):
    """Set the machine's LAN addresses as the interfaces would report them."""
    def set_addresses(*addresses):
        monkeypatch.setattr(netinfo, "lan_addresses", lambda: list(addresses))
    return set_addresses


def test_the_session_page_shows_the_lan_address_when_the_chair_uses_localhost(client, chair, make, interfaces):
    interfaces("192.168.1.23", "10.0.0.5")
    session = make.open_session()
    page = client.get(f"/chair/sessions/{session.id}", base_url="http://127.0.0.1:8000").get_data(as_text=True)
    assert 'data-testid="phone-url">http://192.168.1.23:8000/v<' in page
    assert "loopback-warning" not in page
    assert element(page, "div.phone-qr > svg").attributes.get("role") == "img"  # the test-it-from-your-phone QR


def test_the_session_page_warns_in_red_when_only_loopback_is_found(client, chair, make, interfaces):
    interfaces()
    session = make.session()
    page = client.get(f"/chair/sessions/{session.id}", base_url="http://127.0.0.1:8000").get_data(as_text=True)
    assert 'data-testid="phone-url">http://127.0.0.1:8000/v<' in page
    assert 'data-testid="loopback-warning"' in page and 'role="alert"' in page


def test_a_loopback_public_url_is_warned_about_even_with_a_lan(app, client, chair, make, interfaces):
    interfaces("192.168.1.23")
    app.config["PUBLIC_URL"] = "http://localhost:8000/"
    session = make.open_session()
    page = client.get(f"/chair/sessions/{session.id}").get_data(as_text=True)
    assert 'data-testid="phone-url">http://localhost:8000/v<' in page and 'data-testid="loopback-warning"' in page
    kiosk = post(client, f"/chair/sessions/{session.id}/kiosk/next", headers={"HX-Request": "true"})
    assert 'data-testid="loopback-warning"' in kiosk.get_data(as_text=True)


def test_the_kiosk_shows_the_lan_address_it_puts_in_the_qr(client, chair, make, interfaces):
    interfaces("192.168.1.23")
    session = make.open_session()
    kiosk = post(client, f"/chair/sessions/{session.id}/kiosk/next", headers={"HX-Request": "true"},
                 base_url="http://localhost:8000").get_data(as_text=True)
    assert 'data-testid="phone-url">http://192.168.1.23:8000/v<' in kiosk and "loopback-warning" not in kiosk


def test_cards_carry_the_lan_address_when_the_host_name_resolves_to_loopback(client, chair, make, interfaces,
                                                                              monkeypatch):
    """Issue 11's "done when": a chair on the laptop's own loopback address (http://localhost:8000;
    the test client keeps its login cookie for that host) on a Debian machine prints cards whose
    QR codes and typed-address line carry the LAN address."""
    import io
    import socket

    from pypdf import PdfReader
    monkeypatch.setattr(socket, "gethostbyname", lambda *a, **k: "127.0.1.1")
    interfaces("192.168.1.23")
    session = make.open_session(meeting=make.meeting(members=2, present=2))
    cards = post(client, f"/chair/sessions/{session.id}/cards", {"count": "2"}, base_url="http://localhost:8000")
    assert cards.status_code == 200
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(cards.data)).pages))
    assert text.count("http://192.168.1.23:8000/v") >= 4 and "localhost" not in text and "127.0." not in text
