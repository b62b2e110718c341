"""Printed ballot cards: readable Vietnamese, a scannable QR that opens the session, the
typeable code, and nothing that could tie a card to a voter or an order."""

from __future__ import annotations

import io
import math
import re
from urllib.parse import urlsplit

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image, ImageDraw
from pypdf import PdfReader

from votingapp.crypto.tokens import format_token
from votingapp.documents.cards import render_cards
from votingapp.documents.fonts import font_dir
from votingapp.documents.qr import qr_svg, voter_url
from votingapp.services import ballots

BASE_URL = "http://192.168.1.10:8000"
ORGANIZATION = "Chi bộ thôn Đông Hưng"
MEETING = "Hội nghị kiểm điểm, đánh giá, xếp loại chất lượng năm 2026"
SESSION = "Lấy phiếu tín nhiệm đối với cán bộ lãnh đạo, quản lý"
CARD_MARGIN_MM, CARD_W_MM, CARD_H_MM = 8, 97, 70.25


@pytest.fixture
def session(make):
    organization = make.organization(name=ORGANIZATION)
    meeting = make.meeting(members=9, organization=organization, title=MEETING)  # 9 cards: two pages
    return make.open_session(meeting=meeting, title=SESSION)


def cards_for(session, count: int) -> tuple[list[str], bytes]:
    tokens = ballots.issue_tokens(session, count, mode="print", by="test")
    return tokens, render_cards(session, tokens, BASE_URL)


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def decoded_urls(pdf: bytes) -> list[list[str]]:
    """Every QR on every page, as a phone camera would read the printed sheet."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [[found.text for found in zxingcpp.read_barcodes(page.render(scale=3).to_pil(),
                                                                formats=zxingcpp.BarcodeFormat.QRCode)]
                for page in document]
    finally:
        document.close()


def squashed(text: str) -> str:
    """Extracted text breaks lines where the card wraps them: compare without whitespace."""
    return re.sub(r"\s+", "", text)


def test_cards_show_the_vietnamese_titles_and_every_typeable_code(session):
    tokens, pdf = cards_for(session, 9)
    text = squashed("".join(page_texts(pdf)))
    for title in (ORGANIZATION, MEETING, SESSION, "Quét mã hoặc mở", "và nhập mã", "Scan, or open"):
        assert squashed(title) in text
    for token in tokens:
        assert format_token(token) in text


def test_every_qr_opens_the_session_through_its_url_fragment(session):
    tokens, pdf = cards_for(session, 9)
    per_page = decoded_urls(pdf)
    assert [len(urls) for urls in per_page] == [8, 1]
    urls = [url for urls in per_page for url in urls]
    assert sorted(urls) == sorted(voter_url(BASE_URL, t) for t in tokens)
    for url in urls:
        parts = urlsplit(url)
        assert (f"{parts.scheme}://{parts.netloc}", parts.path, parts.query) == (BASE_URL, "/v", "")
        assert ballots.lookup(parts.fragment).id == session.id


@pytest.mark.parametrize("count", [1, 8, 9, 100])
def test_eight_cards_fill_each_a4_page(session, make, count):
    if count > 9:  # one code per voter present
        session = make.open_session(meeting=make.meeting(members=count))
    tokens, pdf = cards_for(session, count)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == math.ceil(count / 8)
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
    text = squashed("".join(page.extract_text() for page in reader.pages))
    assert sorted(re.findall(r"(?:[2-9A-Z]{4}-){4}[2-9A-Z]{4}", text)) == sorted(format_token(t) for t in tokens)


def test_a_card_carries_nothing_but_titles_code_instruction_and_voter_code(session):
    tokens, pdf = cards_for(session, 9)
    entry = f"{BASE_URL}/v"
    leftover = "".join(page_texts(pdf))
    for token in tokens:
        leftover = leftover.replace(format_token(token), "")
    leftover = squashed(leftover)
    for known in (ORGANIZATION, MEETING, SESSION, f"Quét mã hoặc mở {entry} và nhập mã",
                  f"Scan, or open {entry} and type the code", f"JS {session.voter_code_sha256}"):
        leftover = leftover.replace(squashed(known), "")
    assert leftover == ""  # no serial, no n/N, no date: cards cannot be told apart or ordered


def test_the_qr_is_at_least_40_mm_wide_on_paper(session):
    _, pdf = cards_for(session, 1)
    page = pdfium.PdfDocument(pdf)[0]
    scale = 3
    image = page.render(scale=scale).to_pil()
    (found,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    xs = [point.x for point in (found.position.top_left, found.position.top_right)]
    width_mm = (max(xs) - min(xs)) / scale / 72 * 25.4
    assert width_mm >= 40


def test_cards_embed_the_dejavu_fonts_shipped_with_their_licence(session):
    _, pdf = cards_for(session, 1)
    fonts = {str(font["/BaseFont"]) for font in PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"].values()}
    assert any("DejaVuSansBold" in name for name in fonts) and any("DejaVuSansMono" in name for name in fonts)
    assert "Bitstream Vera" in (font_dir() / "DejaVu-LICENSE.txt").read_text()


def test_titles_too_long_for_a_card_are_cut_short_inside_it(make):
    meeting = make.meeting(organization=make.organization(name="Chi bộ " + "Đông " * 38), title="Hội nghị " * 33)
    session = make.open_session(meeting=meeting, title="Lấy phiếu " * 30)
    _, pdf = cards_for(session, 1)
    placed = []
    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(
        visitor_text=lambda text, _cm, tm, _font, _size: placed.append((text, tm[4], tm[5])) if text.strip() else None)
    mm = 72 / 25.4
    card_left, card_top = CARD_MARGIN_MM * mm, (297 - CARD_MARGIN_MM) * mm
    card_right, card_bottom = card_left + CARD_W_MM * mm, card_top - CARD_H_MM * mm
    assert len(placed) > 3 and sum("…" in text for text, _, _ in placed) == 3
    for text, x, y in placed:
        assert card_left < x < card_right and card_bottom < y < card_top, text
    assert len(decoded_urls(pdf)[0]) == 1


def test_no_tokens_means_no_sheet(session):
    with pytest.raises(ValueError):
        render_cards(session, [], BASE_URL)


# --- the kiosk's inline SVG -------------------------------------------------------------------

def test_voter_url_carries_the_grouped_token_in_the_fragment():
    assert voter_url("http://hall.local:8000/", "ABCD2345EFGH6789JKLM") == "http://hall.local:8000/v#ABCD-2345-EFGH-6789-JKLM"


def test_kiosk_svg_is_a_qr_code_that_decodes_to_its_text():
    text = voter_url(BASE_URL, "ABCD2345EFGH6789JKLM")
    svg = qr_svg(text)
    assert svg.startswith("<svg") and 'viewBox="0 0 ' in svg and "<?xml" not in svg
    size = int(re.search(r'viewBox="0 0 (\d+) ', svg)[1])
    pixels = 8
    image = Image.new("L", (size * pixels, size * pixels), 255)
    draw = ImageDraw.Draw(image)
    for x, y, n in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        x, y, n = int(x), int(y), int(n)
        draw.rectangle([x * pixels, y * pixels, (x + n) * pixels - 1, (y + 1) * pixels - 1], fill=0)
    (found,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert found.text == text


def test_each_card_prints_the_voter_code_fingerprint_served_when_voting_opened(session, client):
    import hashlib

    from votingapp.crypto.fingerprint import VOTER_SCRIPTS
    manifest = "".join(f"{hashlib.sha256(client.get('/static/' + name).data).hexdigest()}  {name}\n"
                       for name in VOTER_SCRIPTS)
    served = hashlib.sha256(manifest.encode()).hexdigest()
    assert session.voter_code_sha256 == served
    _, pdf = cards_for(session, 2)
    text = squashed(page_texts(pdf)[0])
    assert text.count("JS" + served) == 2  # the fingerprint, whole, on both cards
