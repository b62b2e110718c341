"""Printable key-share cards for the counting committee: one A4 page per share.

Each page names the session and the holder, says "Mảnh khóa i/n — cần k mảnh để kiểm phiếu",
and carries the share twice: as a QR code (a USB scanner types it into the tally form) and
as its words printed large, numbered, for typing. The PDF is made in memory in the request
that opens the session and never stored: nothing else can print these shares again.
"""

from __future__ import annotations

from fpdf import FPDF

from ..crypto.shares import KeyShare
from . import fonts
from .cards import _draw_qr, _text_block

PAGE_W = 210.0  # A4 portrait, mm
MARGIN = 18.0
WIDTH = PAGE_W - 2 * MARGIN
QR_SIDE = 68.0
COLUMNS = 3  # words per printed row
ROW_H = 7.6
WORD_PT = 14


def render_share_cards(session, shares: list[KeyShare]) -> bytes:
    """One page per share, in share order, for a session opened with a committee key."""
    if not shares:
        raise ValueError("no shares to print")
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_title(f"Mảnh khóa · {session.title}")
    fonts.add_fonts(pdf)
    for share in shares:
        pdf.add_page()
        _card(pdf, session, share, session.share_count, session.share_threshold)
    return bytes(pdf.output())


def _card(pdf: FPDF, session, share: KeyShare, count: int, threshold: int) -> None:
    meeting = session.meeting
    pdf.set_text_color(70)
    y = _text_block(pdf, meeting.organization.name, MARGIN, MARGIN, WIDTH, fonts.SANS, "", 9, 2)
    y = _text_block(pdf, f"{meeting.title} · {meeting.held_on.strftime('%d/%m/%Y')}", MARGIN, y, WIDTH,
                    fonts.SANS, "", 9, 2) + 4
    pdf.set_text_color(0)
    y = _text_block(pdf, f"Mảnh khóa {share.number}/{count} — cần {threshold} mảnh để kiểm phiếu",
                    MARGIN, y, WIDTH, fonts.SANS, "B", 17, 2) + 2
    y = _text_block(pdf, session.title, MARGIN, y, WIDTH, fonts.SANS, "B", 12, 3) + 1
    y = _text_block(pdf, f"Mã phiên: {session.id[:8]}", MARGIN, y, WIDTH, fonts.SANS, "", 10, 1)
    if share.holder:
        y = _text_block(pdf, f"Người giữ: {share.holder}", MARGIN, y + 1, WIDTH, fonts.SANS, "B", 12, 2)
    y += 5
    _draw_qr(pdf, share.words, (PAGE_W - QR_SIDE) / 2, y, QR_SIDE)
    y = _words(pdf, share.words.split(), y + QR_SIDE + 7)
    _footer(pdf, y + 5)


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
