"""Printable key-share cards for the counting committee: one A4 page per share.

Each page names the session and the holder, says "Mảnh khóa i/n — cần k mảnh để kiểm phiếu",
and carries the share twice: as a QR code and as its words printed large, numbered, for typing.
Sealed schemes: the QR code holds the words (a USB scanner types them into the tally form).
verifiable-v1: it opens the member page on the LAN with the share's 32 bytes in the URL
fragment (`/member/<session id>#share=<B64>`), where the member's own phone decrypts the sums;
the 33 words are the same share, for typing on the phone. The PDF is made in memory in the request
that opens the session and never stored: nothing else can print these shares again.
"""

from __future__ import annotations

import shamir_mnemonic
from fpdf import FPDF

from ..crypto.encoding import b64encode
from ..crypto.shares import KeyShare
from ..crypto.verifiable.session import SCHEME as VERIFIABLE
from . import fonts
from .cards import _draw_qr, _text_block
from .exports import dd_mm_yyyy

PAGE_W = 210.0  # A4 portrait, mm
MARGIN = 18.0
WIDTH = PAGE_W - 2 * MARGIN
QR_SIDE = 68.0
COLUMNS = 3  # words per printed row
ROW_H = 7.6
WORD_PT = 14


def render_share_cards(session, shares: list[KeyShare], base_url: str = "") -> bytes:
    """One page per share, in share order, for a session opened with a committee key;
    `base_url` (the LAN address phones reach) is what a verifiable-v1 card's QR code opens."""
    if not shares:
        raise ValueError("no shares to print")
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_title(f"Mảnh khóa · {session.title}")
    fonts.add_fonts(pdf)
    for share in shares:
        pdf.add_page()
        _card(pdf, session, share, session.share_count, session.share_threshold, base_url)
    return bytes(pdf.output())


def member_url(base_url: str, session_id: str, words: str) -> str:
    """The member page with the share (B64 of s_i) in the fragment, never sent to a server."""
    secret = shamir_mnemonic.combine_mnemonics([words])
    return f"{base_url.rstrip('/')}/member/{session_id}#share={b64encode(secret)}"


def _card(pdf: FPDF, session, share: KeyShare, count: int, threshold: int, base_url: str) -> None:
    verifiable = session.scheme == VERIFIABLE
    meeting = session.meeting
    pdf.set_text_color(70)
    y = _text_block(pdf, meeting.organization.name, MARGIN, MARGIN, WIDTH, fonts.SANS, "", 9, 2)
    y = _text_block(pdf, f"{meeting.title} · {dd_mm_yyyy(meeting.held_on)}", MARGIN, y, WIDTH,
                    fonts.SANS, "", 9, 2) + 4
    pdf.set_text_color(0)
    y = _text_block(pdf, f"Mảnh khóa {share.number}/{count} — cần {threshold} mảnh để kiểm phiếu",
                    MARGIN, y, WIDTH, fonts.SANS, "B", 17, 2) + 2
    y = _text_block(pdf, session.title, MARGIN, y, WIDTH, fonts.SANS, "B", 12, 3) + 1
    y = _text_block(pdf, f"Mã phiên: {session.id[:8]}", MARGIN, y, WIDTH, fonts.SANS, "", 10, 1)
    if share.holder:
        y = _text_block(pdf, f"Người giữ: {share.holder}", MARGIN, y + 1, WIDTH, fonts.SANS, "B", 12, 2)
    y += 5
    qr_text = member_url(base_url, session.id, share.words) if verifiable else share.words
    _draw_qr(pdf, qr_text, (PAGE_W - QR_SIDE) / 2, y, QR_SIDE)
    y = _words(pdf, share.words.split(), y + QR_SIDE + 7)
    (_member_footer if verifiable else _footer)(pdf, y + 5)


def _words(pdf: FPDF, words: list[str], y: float) -> float:
    """The words in rows of three, each with its number, in large monospace; returns the y below."""
    column_w = WIDTH / COLUMNS
    for start in range(0, len(words), COLUMNS):
        for column, word in enumerate(words[start:start + COLUMNS]):
            x = MARGIN + column * column_w
            pdf.set_text_color(110)
            _text_block(pdf, f"{start + column + 1:2d}", x, y + 0.8, 9, fonts.MONO, "B", 10, 1, align="R")
            pdf.set_text_color(0)
            _text_block(pdf, word, x + 11, y, column_w - 12, fonts.MONO, "B", WORD_PT, 1)
        y += ROW_H
    return y


def _footer(pdf: FPDF, y: float) -> None:
    pdf.set_draw_color(150)
    pdf.line(MARGIN, y, PAGE_W - MARGIN, y)
    y = _text_block(pdf, "Giữ kín mảnh khóa này: không chụp ảnh, không chia sẻ. Khi kiểm phiếu, quét mã QR "
                    "hoặc nhập các từ theo thứ tự. Mất mảnh này thì không in lại được.",
                    MARGIN, y + 2.5, WIDTH, fonts.SANS, "", 9, 3)
    pdf.set_text_color(90)
    y = _text_block(pdf, "Counting-committee key share: keep it secret. To count the votes, scan the QR code "
                    "or type the words in order. It cannot be printed again.",
                    MARGIN, y + 1, WIDTH, fonts.SANS, "", 8, 2)
    pdf.set_text_color(0)
    _text_block(pdf, "Người giữ ký nhận: ......................................................",
                MARGIN, y + 7, WIDTH, fonts.SANS, "", 10, 1)


def _member_footer(pdf: FPDF, y: float) -> None:
    """verifiable-v1: the member decrypts on their own phone; the share never leaves it."""
    pdf.set_draw_color(150)
    pdf.line(MARGIN, y, PAGE_W - MARGIN, y)
    y = _text_block(pdf, "Giữ kín mảnh khóa này: không chụp ảnh, không chia sẻ. Khi kiểm phiếu, quét mã QR bằng "
                    "điện thoại của bạn (trong mạng Wi-Fi của hội nghị) hoặc mở trang thành viên và nhập 33 từ "
                    "theo thứ tự: điện thoại chỉ gửi phần giải mã, không gửi mảnh khóa. Mất mảnh này thì không "
                    "in lại được.", MARGIN, y + 2.5, WIDTH, fonts.SANS, "", 9, 3)
    pdf.set_text_color(90)
    y = _text_block(pdf, "Counting-committee key share: keep it secret. To count the votes, scan the QR code with "
                    "your own phone (on the meeting's Wi-Fi) or type the 33 words in order on the member page: "
                    "the phone sends only its decryption, never the share. It cannot be printed again.",
                    MARGIN, y + 1, WIDTH, fonts.SANS, "", 8, 3)
    pdf.set_text_color(0)
    _text_block(pdf, "Người giữ ký nhận: ......................................................",
                MARGIN, y + 7, WIDTH, fonts.SANS, "", 10, 1)
