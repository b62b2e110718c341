"""Printable ballot cards: one A4 sheet holds 8 cards (2 × 4) with dashed cut lines.

Each card carries the organization, meeting and session titles, a QR of the voter URL with
the token in its fragment, the same token as a typeable code, a one-line instruction, and the
voter-code fingerprint the session opened with (the same on every card).
Nothing else: no number, serial or order mark that could tie a card to the person who drew
it. The PDF is built in memory from the tokens passed in and never stored.
"""

from __future__ import annotations

from typing import NamedTuple, cast

from fpdf import FPDF

from ..crypto.fingerprint import grouped
from ..crypto.tokens import format_token
from . import fonts
from .qr import dark_runs, qr_matrix, voter_url

PAGE_W, PAGE_H = 210.0, 297.0  # A4 portrait, mm
COLUMNS, ROWS = 2, 4
CARDS_PER_PAGE = COLUMNS * ROWS
PAGE_MARGIN = 8.0  # inside what office printers can print
CARD_W = (PAGE_W - 2 * PAGE_MARGIN) / COLUMNS
CARD_H = (PAGE_H - 2 * PAGE_MARGIN) / ROWS
QR_SIDE = 42.0  # mm: a phone reads it from arm's length
PAD = 5.0  # from the cut line: the QR's quiet zone (4 modules) once the card is cut
GAP = 3.0  # between the QR and the titles
CODE_PT = 15


def render_cards(session, tokens: list[str], base_url: str) -> bytes:
    """One card per token, in the order given (tokens are random, so the order says nothing)."""
    if not tokens:
        raise ValueError("no tokens to print")
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_title(session.title)
    fonts.add_fonts(pdf)
    titles = _Titles(session.meeting.organization.name, session.meeting.title, session.title,
                     session.voter_code_sha256 or "")
    for start in range(0, len(tokens), CARDS_PER_PAGE):
        on_page = tokens[start:start + CARDS_PER_PAGE]
        pdf.add_page()
        _cut_lines(pdf, rows=-(-len(on_page) // COLUMNS))
        for slot, token in enumerate(on_page):
            x = PAGE_MARGIN + (slot % COLUMNS) * CARD_W
            y = PAGE_MARGIN + (slot // COLUMNS) * CARD_H
            _card(pdf, x, y, titles, token, base_url)
    return bytes(pdf.output())


class _Titles(NamedTuple):
    organization: str
    meeting: str
    session: str
    voter_code: str


#: the voter-code fingerprint (crypto.fingerprint): one line at the card's foot, in groups of 8
CODE_FP_PT = 4.6


def _cut_lines(pdf: FPDF, rows: int) -> None:
    """Dashed lines between and around the first `rows` rows of cards, run out to the page
    edge for a guillotine."""
    pdf.set_draw_color(150)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=2, gap=1.5)
    bottom = min(PAGE_H, 2 * PAGE_MARGIN + rows * CARD_H)
    for column in range(COLUMNS + 1):
        x = PAGE_MARGIN + column * CARD_W
        pdf.line(x, 0, x, bottom)
    for row in range(rows + 1):
        y = PAGE_MARGIN + row * CARD_H
        pdf.line(0, y, PAGE_W, y)
    pdf.set_dash_pattern()


def _card(pdf: FPDF, x: float, y: float, titles: _Titles, token: str, base_url: str) -> None:
    _draw_qr(pdf, voter_url(base_url, token), x + PAD, y + PAD, QR_SIDE)

    text_x, text_w = x + PAD + QR_SIDE + GAP, CARD_W - 2 * PAD - QR_SIDE - GAP
    cursor = y + PAD
    for text, style, size, max_lines in ((titles.organization, "B", 8, 3), (titles.meeting, "", 8, 3),
                                         (titles.session, "B", 10, 4)):
        cursor = _text_block(pdf, text, text_x, cursor, text_w, fonts.SANS, style, size, max_lines) + 1.5

    inner_w = CARD_W - 2 * PAD
    code_y = y + PAD + QR_SIDE + 2.5
    _text_block(pdf, format_token(token), x + PAD, code_y, inner_w, fonts.MONO, "B", CODE_PT, 1, align="C")
    pdf.set_text_color(60)
    entry = f"{base_url.rstrip('/')}/v"
    hint_y = code_y + 8
    hint_y = _text_block(pdf, f"Quét mã hoặc mở {entry} và nhập mã", x + PAD, hint_y, inner_w,
                         fonts.SANS, "", 7.5, 2, align="C")
    hint_y = _text_block(pdf, f"Scan, or open {entry} and type the code", x + PAD, hint_y, inner_w,
                         fonts.SANS, "", 7, 2, align="C")
    if titles.voter_code:
        _text_block(pdf, f"JS {grouped(titles.voter_code)}", x + PAD, hint_y + 0.6, inner_w, fonts.MONO, "B",
                    CODE_FP_PT, 1, align="C")
    pdf.set_text_color(0)


def _draw_qr(pdf: FPDF, text: str, x: float, y: float, side: float) -> None:
    """Vector squares, so the code stays sharp on any printer."""
    matrix = qr_matrix(text)
    module = side / len(matrix)
    pdf.set_fill_color(0)
    for row, column, length in dark_runs(matrix):
        # a hair of overlap so no white seam shows between runs on screen rasterizers
        pdf.rect(x + column * module, y + row * module, length * module, module * 1.02, style="F")


def _text_block(pdf: FPDF, text: str, x: float, y: float, width: float, family: str, style: str,
                size: float, max_lines: int, align: str = "L") -> float:
    """Write `text` wrapped to `width` in at most `max_lines` lines (the last one cut with
    an ellipsis); returns the y below it."""
    pdf.set_font(family, style, size)
    line_h = size * 0.42
    # fpdf2 types multi_cell's result for every `output` mode; with "LINES" it is the lines
    lines = cast(list[str], pdf.multi_cell(width, line_h, text, dry_run=True, output="LINES"))
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and pdf.get_string_width(last + "…") > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    for line in lines:
        pdf.set_xy(x, y)
        pdf.cell(width, line_h, line, align=align)
        y += line_h
    return y
