"""The biên bản kiểm phiếu (counting minutes): an A4 PDF printed from the signed tally
document alone (docs/formats.md §4), laid out as Party papers are (Hướng dẫn 36-HD/VPTW):
superior committee and issuing organization top left, the Party's name and the place and
date top right. Every number on it is a number of that document, formatted the Vietnamese
way; nothing is counted or recomputed here, so the paper the committee signs says exactly
what the electronic record says, and carries the hashes and signature that tie one to the
other. A tally signed before a fact was recorded (place, times, chair, posts) prints dots for
it, to be written in by hand.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.numbers import format_decimal
from fpdf import FPDF
from fpdf.fonts import FontFace

from ..domain import integrity, labels
from ..domain.ballot_forms import CONFIDENCE, MOTION, OPTIONS, RATING
from ..domain.tally import BLANK
from . import fonts

MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 25.0, 15.0, 15.0, 18.0  # mm, as official papers
TEXT_W = 210.0 - MARGIN_LEFT - MARGIN_RIGHT
BODY_PT, SMALL_PT, TABLE_PT = 11, 7, 8.5
LINE_H = 5.8
SHORT = 16  # characters of a hash or signature a person compares by eye
BLANK_NAME = "." * 40
SIGNATURE_ROW_H = 40.0

BLANK_PLACE = "." * 15


# --- formatting: the document's values as Vietnamese paper writes them ------------------------

#: a tally's percentages: two decimals, as domain.tally.percent writes them
PERCENT_PATTERN = "#,##0.00"


def count_vi(number: int) -> str:
    """10000 → "10.000": Vietnamese groups thousands with a dot (Babel's vi locale)."""
    return format_decimal(number, locale="vi")


def percent_vi(value: str | None) -> str:
    """The document's "54.55" → "54,55%" (decimal comma); an empty basis has no percentage."""
    return "—" if value is None else format_decimal(Decimal(value), format=PERCENT_PATTERN, locale="vi") + "%"


def date_vi(iso: str) -> str:
    """"2026-12-05" → "ngày 05 tháng 12 năm 2026" (days under 10 and months 1-2 take a zero)."""
    day = date.fromisoformat(iso)
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def time_vi(iso: str | None) -> str:
    """"2026-12-05T08:30+07:00" → "08 giờ 30" (the document already holds Vietnam time)."""
    if not iso:
        return "..... giờ ....."
    moment = datetime.fromisoformat(iso)
    return f"{moment.hour:02d} giờ {moment.minute:02d}"


def short_form(text: str | None) -> str:
    return "—" if not text else text[:SHORT]


def committee_roles(names: list[str]) -> list[tuple[str, str]]:
    """(role, name) per member, the first named heading the committee; three blank places
    when the committee was not typed, for the names to be written in by hand."""
    names = list(names) or ["", "", ""]
    return [("Trưởng ban" if i == 0 else "Thành viên", name) for i, name in enumerate(names)]


def invalid_reasons_vi(by_reason: dict) -> str:
    return "; ".join(f"{labels.label(labels.INVALID_REASONS, reason)}: {count_vi(count)}"
                     for reason, count in by_reason.items())


# --- the PDF ---------------------------------------------------------------------------------

class _Minutes(FPDF):
    """A4 portrait with a footer naming the session and the page, so loose sheets stay together."""

    def __init__(self, session_id: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.session_id = session_id
        self.set_margins(MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT)
        self.set_auto_page_break(True, margin=MARGIN_BOTTOM)
        fonts.add_fonts(self)

    def footer_label(self) -> str:
        return f"Biên bản kiểm phiếu · phiên {self.session_id[:8]}"

    def footer(self):
        self.set_y(-12)
        self.set_font(fonts.SANS, "", SMALL_PT)
        self.set_text_color(90)
        self.cell(0, 4, f"{self.footer_label()} · Trang {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0)


def render_minutes(tally: dict, board: dict | None = None, voter_code: str | None = None) -> bytes:
    """The minutes of one signed tally document; `board` (the session's signed board) adds
    its signature and must end in the head the tally names; `voter_code` is the voter-code
    fingerprint (crypto.fingerprint) the session opened with."""
    board_head = tally.get("board_head") or (board or {}).get("head")
    if board is not None and board.get("head") != board_head:
        raise ValueError("the board does not end in the head the tally names")
    session = tally["session"]
    pdf = _Minutes(session["id"])
    pdf.set_title(f"Biên bản kiểm phiếu – {session.get('title', '')}")
    pdf.add_page()
    _letterhead(pdf, session)
    _opening(pdf, session, tally.get("committee") or [])
    _numbers(pdf, tally)
    if board is not None:
        _breaches(pdf, integrity.breaches(board["counts"]))
    _results(pdf, tally)
    _record(pdf, tally, board_head, board, voter_code)
    _signatures(pdf, tally.get("committee") or [], session.get("chair") or "")
    return bytes(pdf.output())


def _write(pdf: FPDF, text: str, *, style: str = "", size: float = BODY_PT, align: str = "J",
           indent: float = 0.0, line_h: float = LINE_H) -> None:
    pdf.set_font(fonts.SANS, style, size)
    pdf.set_x(MARGIN_LEFT + indent)
    pdf.multi_cell(TEXT_W - indent, line_h, text, align=align, new_x="LMARGIN", new_y="NEXT")


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2.5)
    _write(pdf, text, style="B", align="L")
    pdf.ln(0.5)


def _letterhead(pdf: FPDF, session: dict, heading: str = "BIÊN BẢN KIỂM PHIẾU") -> None:
    """Superior committee and organization left, the Party's name and the place/date line
    right, as Party papers open (Hướng dẫn 36-HD/VPTW); documents.grading_report opens the
    same way under its own heading."""
    top, left_w = pdf.get_y(), 78.0
    right_x, right_w = MARGIN_LEFT + left_w + 4, TEXT_W - left_w - 4
    pdf.set_xy(MARGIN_LEFT, top)
    if session.get("superior"):
        pdf.set_font(fonts.SANS, "", 10.5)
        pdf.multi_cell(left_w, 5, session["superior"].upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(fonts.SANS, "B", 10.5)
    pdf.multi_cell(left_w, 5, session.get("organization", "").upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(MARGIN_LEFT)
    pdf.cell(left_w, 5, "*", align="C", new_x="LMARGIN", new_y="NEXT")
    left_bottom = pdf.get_y()

    pdf.set_xy(right_x, top)
    pdf.set_font(fonts.SANS, "B", 11.5)
    party = "ĐẢNG CỘNG SẢN VIỆT NAM"
    pdf.cell(right_w, 5.5, party, align="C")
    underline_w = pdf.get_string_width(party)
    pdf.line(right_x + (right_w - underline_w) / 2, top + 6, right_x + (right_w + underline_w) / 2, top + 6)
    pdf.set_xy(right_x, top + 9)
    pdf.set_font(fonts.SANS, "", 10)
    pdf.multi_cell(right_w, 5, place_and_date(session), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(left_bottom, pdf.get_y()) + 8)

    _write(pdf, heading, style="B", size=15, align="C", line_h=7.5)
    _write(pdf, session.get("title", ""), style="B", size=12, align="C", line_h=6.2)
    y, centre = pdf.get_y() + 2, MARGIN_LEFT + TEXT_W / 2
    pdf.line(centre - 15, y, centre + 15, y)
    pdf.set_y(y + 5)


# --- what the minutes say, section by section: the PDF and the DOCX print the same words --------

def opening_lines(session: dict) -> list[str]:
    """Meeting, time (the session's opening to its close) and place, chair and secretary."""
    day = f", {date_vi(session['held_on'])}" if session.get("held_on") else ""
    return [f"Hội nghị: {session.get('meeting', '')}.",
            f"Thời gian: bỏ phiếu từ {time_vi(session.get('opened_at'))} đến {time_vi(session.get('closed_at'))}{day}.",
            f"Địa điểm: {session.get('place') or BLANK_NAME}.",
            f"Chủ trì hội nghị: đồng chí {session.get('chair') or BLANK_NAME}; "
            f"thư ký hội nghị: đồng chí {session.get('secretary') or BLANK_NAME}."]


def committee_lines(committee: list[str]) -> list[str]:
    return [f"{number}. Đồng chí {name or BLANK_NAME} – {role}"
            for number, (role, name) in enumerate(committee_roles(committee), start=1)]


def number_rows(tally: dict) -> list[tuple[str, int]]:
    """Section I: (what, how many), in the order the paper minutes list them."""
    bases, ballots = tally["bases"], tally["ballots"]
    def base(code: str) -> str:
        return labels.BASES[code].label_vi
    people = [(base("summoned"), bases["summoned"])]
    if "base" in bases:  # tallies since the base was recorded: the exclusions and what remains
        people += [("Số người không tính vào tổng số (được trừ theo quy định)", bases["summoned"] - bases["base"]),
                   ("Số người làm căn cứ tính tỷ lệ", bases["base"])]
    return [*people, (base("present"), bases["present"]),
            (base("issued"), bases["issued"]), (base("received"), ballots["received"]),
            (base("valid"), ballots["valid"]), ("Số phiếu không hợp lệ", ballots["invalid"])]


def table_heads(kind: str, tally: dict) -> tuple[list[tuple[str, str]], str, str]:
    """The result table's option columns (id, label), the subject column and the verdict column."""
    options = [(option.id, option.label_vi) for option in OPTIONS[kind]]
    if tally["policy"].get("unmarked_subject") == BLANK or any(s["counts"].get(BLANK) for s in tally["subjects"]):
        options.append((BLANK, labels.UNMARKED.label_vi))
    subject = "Họ và tên, chức vụ" if kind != MOTION else "Nội dung biểu quyết"
    verdict = "Kết luận theo QĐ 96-QĐ/TW" if kind == CONFIDENCE else "Mức đề xuất" if kind == RATING else "Kết quả"
    return options, subject, verdict


def record_lines(tally: dict, board_head: str | None, board: dict | None) -> list[tuple[str, str]]:
    """Section III: the short forms a person compares by eye."""
    signature = tally.get("signature") or {}
    lines = [("Mã phiên bỏ phiếu", tally["session"]["id"]),
             ("Mã băm cuối bảng phiếu", short_form(board_head)),
             ("Chữ ký số kết quả kiểm phiếu (Ed25519)", short_form(signature.get("value")))]
    if board is not None:
        lines.append(("Chữ ký số bảng phiếu (Ed25519)", short_form((board.get("signature") or {}).get("value"))))
    lines.append(("Khóa công khai ký của hệ thống", signature.get("public_key") or "—"))
    return lines


def record_full(tally: dict, board_head: str | None, voter_code: str | None) -> list[str]:
    signature = tally.get("signature") or {}
    full = [f"Mã băm cuối bảng phiếu (đầy đủ): {board_head or '—'}",
            f"Chữ ký số kết quả kiểm phiếu (đầy đủ): {signature.get('value') or '—'}"]
    if voter_code:
        full.append(f"Dấu vân tay mã bỏ phiếu trên điện thoại (SHA-256 mã JS): {voter_code}")
    return full


def policy_line(policy: dict) -> str:
    return (f"Quy tắc kiểm phiếu đã áp dụng: {policy.get('title', policy['name'])} "
            f"(mã {policy['name']}, phiên bản {policy['version']}).")


COMMITTEE_INTRO = "Ban kiểm phiếu do hội nghị bầu gồm các đồng chí:"
COUNTING_INTRO = "Ban kiểm phiếu đã tiến hành kiểm phiếu và lập biên bản như sau:"
CHECK_NOTE = ("Đối chiếu: các mã trên phải trùng với bảng phiếu công bố của phiên và với kết quả "
              "kiểm chứng của lệnh “votingapp verify” trên gói kiểm chứng.")
CLOSING = ("Biên bản kết thúc lúc ..... giờ ..... phút cùng ngày, đã được đọc lại trước hội nghị "
           "và được Ban kiểm phiếu nhất trí ký tên.")
HEADINGS = ("I. SỐ NGƯỜI VÀ SỐ PHIẾU", "II. KẾT QUẢ KIỂM PHIẾU",
            "III. QUY TẮC KIỂM PHIẾU VÀ ĐỐI CHIẾU VỚI HỒ SƠ ĐIỆN TỬ")
BREACH_HEADING = "CẢNH BÁO: số liệu vi phạm nguyên tắc mỗi người có mặt một phiếu"


def basis_line(tally: dict) -> str:
    subjects = tally["subjects"]
    basis = subjects[0]["basis"] if subjects else tally["policy"]["basis"]
    return f"Tỷ lệ tính trên {labels.basis_phrase(basis)} ({count_vi(tally['bases'][basis])})."


def place_and_date(session: dict) -> str:
    when = date_vi(session["held_on"]) if session.get("held_on") else "ngày ..... tháng ..... năm ........"
    return f"{session.get('place') or BLANK_PLACE}, {when}"


# --- the PDF, section by section ---------------------------------------------------------------

def _opening(pdf: FPDF, session: dict, committee: list[str]) -> None:
    for line in opening_lines(session):
        _write(pdf, line)
    _write(pdf, COMMITTEE_INTRO)
    for line in committee_lines(committee):
        _write(pdf, line, indent=6, align="L")
    _write(pdf, COUNTING_INTRO)


def _numbers(pdf: FPDF, tally: dict) -> None:
    ballots = tally["ballots"]
    _heading(pdf, HEADINGS[0])
    pdf.set_font(fonts.SANS, "", BODY_PT)
    for number, (label, value) in enumerate(number_rows(tally), start=1):
        pdf.set_x(MARGIN_LEFT + 6)
        pdf.cell(112, LINE_H, f"{number}. {label}:")
        pdf.set_font(fonts.SANS, "B", BODY_PT)
        pdf.cell(20, LINE_H, count_vi(value), align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(fonts.SANS, "", BODY_PT)
    if ballots.get("invalid_by_reason"):
        _write(pdf, f"Trong đó phiếu không hợp lệ vì: {invalid_reasons_vi(ballots['invalid_by_reason'])}.", indent=10)


def _results(pdf: FPDF, tally: dict) -> None:
    kind = tally["session"]["kind"]
    _heading(pdf, HEADINGS[1])
    _write(pdf, basis_line(tally))
    _table(pdf, tally, kind)
    pdf.ln(1.5)
    _write(pdf, labels.rule_note(kind, tally["policy"]), size=9, line_h=4.6)


def _table(pdf: FPDF, tally: dict, kind: str) -> None:
    """One row per person (name, then post) or the motion, count and percentage of each level;
    the two heading rows repeat on every page the table runs onto."""
    confidence = kind == CONFIDENCE
    options, subject_head, verdict_head = table_heads(kind, tally)
    subjects = tally["subjects"]
    count_w, percent_w, verdict_w = 12.5, 14.5, 40.0 if confidence else 30.0
    name_w = TEXT_W - 8 - len(options) * (count_w + percent_w) - verdict_w
    widths = (8, name_w, *([count_w, percent_w] * len(options)), verdict_w)
    pdf.set_font(fonts.SANS, "", TABLE_PT)
    heading = FontFace(emphasis="B", size_pt=TABLE_PT - 0.5, fill_color=(232, 232, 232))
    with pdf.table(col_widths=widths, width=TEXT_W, align="LEFT", num_heading_rows=2, headings_style=heading,
                   text_align="CENTER", line_height=4.2, padding=(1, 1), v_align="MIDDLE") as table:
        top = table.row()
        top.cell("TT", rowspan=2)
        top.cell(subject_head, rowspan=2)
        for _, label in options:
            top.cell(label, colspan=2)
        top.cell(verdict_head, rowspan=2)
        sub = table.row()
        for _ in options:
            sub.cell("Số\nphiếu")
            sub.cell("Tỷ lệ")
        for number, subject in enumerate(subjects, start=1):
            row = table.row()
            row.cell(str(number))
            row.cell(subject["name"] + (f"\n{subject['detail']}" if subject.get("detail") else ""), align="LEFT")
            for option_id, _ in options:
                row.cell(count_vi(subject["counts"].get(option_id, 0)), align="RIGHT")
                row.cell(percent_vi(subject["percent"].get(option_id)), align="RIGHT")
            row.cell(labels.verdict_label(subject, tally["policy"]), align="LEFT")


def _record(pdf: FPDF, tally: dict, board_head: str | None, board: dict | None,
            voter_code: str | None = None) -> None:
    """The counting rule and the fingerprints that match this paper to the electronic record."""
    _heading(pdf, HEADINGS[2])
    _write(pdf, policy_line(tally["policy"]))
    label_w = 80.0
    for label, value in record_lines(tally, board_head, board):
        pdf.set_x(MARGIN_LEFT + 6)
        pdf.set_font(fonts.SANS, "", 10)
        pdf.cell(label_w, LINE_H, f"{label}:")
        pdf.set_font(fonts.MONO, "B", 8.5)
        pdf.multi_cell(TEXT_W - 6 - label_w, LINE_H, value, align="L", new_x="LMARGIN", new_y="NEXT")
    _write(pdf, "\n".join(record_full(tally, board_head, voter_code)), size=SMALL_PT, line_h=3.4, align="L")
    _write(pdf, CHECK_NOTE, size=9, line_h=4.6)


def _signatures(pdf: FPDF, committee: list[str], chair: str) -> None:
    """A place to sign, with the name under it, for each committee member and the chair;
    a row of places never splits across pages."""
    pdf.ln(3)
    _write(pdf, CLOSING)
    places = [(role.upper(), name) for role, name in committee_roles(committee)]
    rows = [places[i:i + 3] for i in range(0, len(places), 3)] + [[("CHỦ TRÌ HỘI NGHỊ", chair)]]
    pdf.ln(4)
    for index, row in enumerate(rows):
        if pdf.get_y() + SIGNATURE_ROW_H + (7 if index == 0 else 0) > pdf.page_break_trigger:
            pdf.add_page()
        if index == 0:
            _write(pdf, "BAN KIỂM PHIẾU", style="B", align="C")
        chair_row = index == len(rows) - 1
        _signature_row(pdf, row, start=MARGIN_LEFT + TEXT_W * 2 / 3 if chair_row else MARGIN_LEFT)


def _signature_row(pdf: FPDF, places: list[tuple[str, str]], start: float) -> None:
    width, top = TEXT_W / 3, pdf.get_y()
    for column, (role, name) in enumerate(places):
        x = start + column * width
        pdf.set_xy(x, top)
        pdf.set_font(fonts.SANS, "B", 10)
        pdf.cell(width, 5, role, align="C")
        pdf.set_xy(x, top + 5)
        pdf.set_font(fonts.SANS, "", 8.5)
        pdf.cell(width, 4, "(Ký, ghi rõ họ tên)", align="C")
        pdf.set_xy(x, top + 26)
        pdf.set_font(fonts.SANS, "B", 10)
        pdf.multi_cell(width, 5, name or "." * 28, align="C")
    pdf.set_y(top + SIGNATURE_ROW_H)


def _breaches(pdf: FPDF, found) -> None:
    """In red, right after the numbers: counts that break one ballot per voter present."""
    if not found:
        return
    pdf.set_text_color(180, 20, 20)
    _heading(pdf, BREACH_HEADING)
    for breach in found:
        _write(pdf, f"– {breach.message_vi}", indent=4)
    pdf.set_text_color(0, 0, 0)
