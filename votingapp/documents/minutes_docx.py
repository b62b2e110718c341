"""The counting minutes as a Word document (python-docx), for a committee that files or edits
its papers in Word. Same layout and the same words as the PDF (documents.minutes builds each
section's text once): letterhead in two columns, title, opening, I. numbers, II. the results
table, III. the rule and the fingerprints, signatures. Printed from the signed tally alone."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt, RGBColor

from ..domain import integrity, labels
from . import minutes as text

FONT = "Times New Roman"  # what Party papers are typed in; Word has it everywhere


def render_minutes_docx(tally: dict, board: dict | None = None, voter_code: str | None = None) -> bytes:
    board_head = tally.get("board_head") or (board or {}).get("head")
    if board is not None and board.get("head") != board_head:
        raise ValueError("the board does not end in the head the tally names")
    session, committee = tally["session"], tally.get("committee") or []
    document = Document()
    _page_and_font(document)
    _letterhead(document, session)
    for line in text.opening_lines(session) + [text.COMMITTEE_INTRO]:
        _paragraph(document, line)
    for line in text.committee_lines(committee):
        _paragraph(document, line, indent=Mm(6))
    _paragraph(document, text.COUNTING_INTRO)

    _heading(document, text.HEADINGS[0])
    for number, (label, count) in enumerate(text.number_rows(tally), start=1):
        paragraph = _paragraph(document, f"{number}. {label}: ", indent=Mm(6))
        paragraph.add_run(text.count_vi(count)).bold = True
    if tally["ballots"].get("invalid_by_reason"):
        _paragraph(document, "Trong đó phiếu không hợp lệ vì: "
                             f"{text.invalid_reasons_vi(tally['ballots']['invalid_by_reason'])}.", indent=Mm(10))
    if board is not None:
        _breaches(document, integrity.breaches(board["counts"]))

    _heading(document, text.HEADINGS[1])
    _paragraph(document, text.basis_line(tally))
    _results_table(document, tally)
    _paragraph(document, labels.rule_note(tally["session"]["kind"], tally["policy"]), size=9)

    _heading(document, text.HEADINGS[2])
    _paragraph(document, text.policy_line(tally["policy"]))
    for label, value in text.record_lines(tally, board_head, board):
        paragraph = _paragraph(document, f"{label}: ", indent=Mm(6))
        run = paragraph.add_run(value)
        run.bold, run.font.name = True, "Courier New"
    for line in text.record_full(tally, board_head, voter_code):
        _paragraph(document, line, size=7)
    _paragraph(document, text.CHECK_NOTE, size=9)

    _paragraph(document, text.CLOSING)
    _signatures(document, committee, session.get("chair") or "")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _page_and_font(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.right_margin = Mm(text.MARGIN_LEFT), Mm(text.MARGIN_RIGHT)
    section.top_margin, section.bottom_margin = Mm(text.MARGIN_TOP), Mm(text.MARGIN_BOTTOM)
    style = document.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(13)


def _paragraph(document, line: str, *, bold=False, size=None, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=None,
               cell=None):
    paragraph = (cell or document).add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(2)
    if indent is not None:
        paragraph.paragraph_format.left_indent = indent
    run = paragraph.add_run(line)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    return paragraph


def _heading(document, line: str) -> None:
    _paragraph(document, line, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT)


def _letterhead(document, session: dict) -> None:
    """Superior committee and organization left, the Party's name (underlined) and the place
    and date right; then the title (Hướng dẫn 36-HD/VPTW)."""
    table = document.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    left.paragraphs[0].text = ""
    if session.get("superior"):
        _paragraph(document, session["superior"].upper(), align=WD_ALIGN_PARAGRAPH.CENTER, cell=left, size=12)
    _paragraph(document, session.get("organization", "").upper(), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
               cell=left, size=12)
    _paragraph(document, "*", align=WD_ALIGN_PARAGRAPH.CENTER, cell=left)
    party = _paragraph(document, "", align=WD_ALIGN_PARAGRAPH.CENTER, cell=right)
    run = party.add_run("ĐẢNG CỘNG SẢN VIỆT NAM")
    run.bold, run.underline = True, True
    place = _paragraph(document, text.place_and_date(session), align=WD_ALIGN_PARAGRAPH.CENTER, cell=right)
    place.runs[0].italic = True
    _paragraph(document, "BIÊN BẢN KIỂM PHIẾU", bold=True, size=15, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, session.get("title", ""), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)


def _results_table(document, tally: dict) -> None:
    kind = tally["session"]["kind"]
    options, subject_head, verdict_head = text.table_heads(kind, tally)
    table = document.add_table(rows=2, cols=2 + 2 * len(options) + 1)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    top, sub = table.rows
    top.cells[0].merge(sub.cells[0]).text = "TT"
    top.cells[1].merge(sub.cells[1]).text = subject_head
    for index, (_, label) in enumerate(options):
        first = 2 + 2 * index
        top.cells[first].merge(top.cells[first + 1]).text = label
        sub.cells[first].text, sub.cells[first + 1].text = "Số phiếu", "Tỷ lệ"
    top.cells[-1].merge(sub.cells[-1]).text = verdict_head
    for number, subject in enumerate(tally["subjects"], start=1):
        cells = table.add_row().cells
        cells[0].text = str(number)
        cells[1].text = subject["name"] + (f"\n{subject['detail']}" if subject.get("detail") else "")
        for index, (option_id, _) in enumerate(options):
            cells[2 + 2 * index].text = text.count_vi(subject["counts"].get(option_id, 0))
            cells[3 + 2 * index].text = text.percent_vi(subject["percent"].get(option_id))
        cells[-1].text = labels.verdict_label(subject, tally["policy"])
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(10)


def _breaches(document, found) -> None:
    if not found:
        return
    for line in [text.BREACH_HEADING, *(f"– {breach.message_vi}" for breach in found)]:
        run = _paragraph(document, line, bold=line == text.BREACH_HEADING).runs[0]
        run.font.color.rgb = RGBColor(180, 20, 20)


def _signatures(document, committee: list[str], chair: str) -> None:
    """A place to sign for each committee member, then the chair's."""
    _paragraph(document, "BAN KIỂM PHIẾU", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    places = [(role.upper(), name) for role, name in text.committee_roles(committee)]
    places.append(("CHỦ TRÌ HỘI NGHỊ", chair))
    table = document.add_table(rows=0, cols=3)
    for start in range(0, len(places), 3):
        cells = table.add_row().cells
        # the last row may hold fewer than three places: its spare cells stay empty
        for cell, (role, name) in zip(cells, places[start:start + 3], strict=False):
            cell.paragraphs[0].text = ""
            _paragraph(document, role, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, cell=cell)
            _paragraph(document, "(Ký, ghi rõ họ tên)", size=10, align=WD_ALIGN_PARAGRAPH.CENTER, cell=cell)
            _paragraph(document, "\n\n", cell=cell)
            _paragraph(document, name or "." * 28, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, cell=cell)
