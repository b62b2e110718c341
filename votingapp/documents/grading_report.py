"""The yearly rating's summary report (báo cáo kết quả xếp loại chất lượng), an A4 PDF in the
Party's document layout, printed from services.grading_exchange.report_facts alone."""

from __future__ import annotations

from fpdf import FPDF

from ..domain import grading as rules
from ..domain.tally import percent
from . import fonts
from .minutes import TABLE_PT, _heading, _letterhead, _Minutes, _write, count_vi, percent_vi

ROMAN = ("I", "II", "III", "IV", "V")


class _Report(_Minutes):
    """The minutes' page (margins, fonts, footer) under this report's own footer line."""

    def __init__(self, unit_code: str, year: int):
        super().__init__(unit_code)
        self.label = f"Báo cáo xếp loại năm {year} · {unit_code}"

    def footer_label(self) -> str:
        return self.label


def summary_pdf(facts: dict) -> bytes:
    cycle, unit = facts["cycle"], facts["unit"]
    pdf = _Report(unit["code"], cycle["year"])
    pdf.set_title(f"Báo cáo kết quả xếp loại chất lượng năm {cycle['year']} – {unit['name']}")
    pdf.add_page()
    _letterhead(pdf, {"organization": unit["name"], "held_on": facts["made_on"],
                      "title": f"Kết quả kiểm điểm, đánh giá, xếp loại chất lượng năm {cycle['year']}"},
                heading="BÁO CÁO")
    _write(pdf, f"Đợt đánh giá: {cycle['title']}. Quy định áp dụng: {cycle['policy']}.")
    if cycle["state"] != "closed":
        _write(pdf, "Đợt đánh giá chưa kết thúc: số liệu tính đến ngày lập báo cáo.", style="B")
    for number, role in enumerate(rules.ROLES):
        _heading(pdf, f"{ROMAN[number]}. {rules.ROLE_NAMES[role].label_vi.upper()}")
        _table(pdf, facts["roles"][role], cycle["year"])
    _heading(pdf, f"{ROMAN[len(rules.ROLES)]}. TỶ LỆ HOÀN THÀNH XUẤT SẮC NHIỆM VỤ (không quá 20% số Hoàn thành tốt)")
    if not facts["quotas"]:
        _write(pdf, "Không có tổ chức cơ sở đảng trong phạm vi báo cáo.")
    for quota in facts["quotas"]:
        verdict = "đúng tỷ lệ" if quota["ok"] else "VƯỢT TỶ LỆ"
        extra = f", {count_vi(quota['exceptions'])} trường hợp được cấp có thẩm quyền cho phép" \
            if quota["exceptions"] else ""
        _write(pdf, f"{quota['organization']}: Xuất sắc {count_vi(quota['excellent'])} / tối đa "
                    f"{count_vi(quota['allowed'])} (trên {count_vi(quota['good'])} Hoàn thành tốt){extra}: {verdict}.",
               indent=6)
    return bytes(pdf.output())


def _table(pdf: FPDF, figures: dict, year: int) -> None:
    now, before = figures["this_year"], figures["last_year"]
    pdf.set_font(fonts.SANS, "", TABLE_PT)
    with pdf.table(col_widths=(60, 22, 22, 22, 22), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
                   line_height=5.2) as table:
        table.row(["Mức xếp loại", f"Năm {year}", "Tỷ lệ", f"Năm {year - 1}", "Tỷ lệ"])
        lines = [(rules.level_name(level), now["levels"][level], before["levels"][level]) for level in rules.LEVELS]
        lines.append((rules.NOT_RATED.label_vi, now["not_rated"], before["not_rated"]))
        for label, this_year, last_year in lines:
            table.row([label, count_vi(this_year), percent_vi(percent(this_year, now["total"])),
                       count_vi(last_year), percent_vi(percent(last_year, before["total"]))])
        table.row(["Tổng số", count_vi(now["total"]), "", count_vi(before["total"]), ""])
