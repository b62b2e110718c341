"""The counting minutes as a Word document: the same words as the PDF, from the signed tally."""

from __future__ import annotations

import io

from docx import Document

from votingapp.services import ballots, meetings, tallying

from ..helpers import seal_choices


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_the_word_minutes_hold_the_letterhead_numbers_posts_and_signatures(client, chair, make):
    meeting = make.meeting(members=5, present=4)
    meetings.update_meeting_details(meeting, {"place": "Hội trường xã Sơn Lâm", "chair_name": "Vũ Phương Nhung",
                                              "secretary_name": "Võ Kim Hoa"}, by="test")
    session = make.open_session(meeting=meeting, subjects=2)
    for token in ballots.issue_tokens(session, 3, mode="api", by="test"):
        client.post("/api/v1/ballot/cast", json={"token": token, "ballot": seal_choices(
            session, {s.key: "tin-nhiem-thap" for s in session.subjects})})
    ballots.close_session(session, by="test")
    tallying.tally_session(session, by="test", committee=["Trần Văn Kiểm", "Lê Thị Phiếu"])

    answer = client.get(f"/chair/sessions/{session.id}/minutes.docx")

    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    assert answer.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    text = docx_text(answer.data)
    for line in ("ĐẢNG CỘNG SẢN VIỆT NAM", "BIÊN BẢN KIỂM PHIẾU", session.meeting.organization.name.upper(),
                 "Hội trường xã Sơn Lâm, ngày 05 tháng 12 năm 2026", "Chủ trì hội nghị: đồng chí Vũ Phương Nhung",
                 "I. SỐ NGƯỜI VÀ SỐ PHIẾU", "Số phiếu thu vào: 3", "II. KẾT QUẢ KIỂM PHIẾU", "Bí thư chi bộ",
                 "Từ 2/3 tín nhiệm thấp trở lên", "100,00%", "Quy tắc kiểm phiếu đã áp dụng",
                 "Trần Văn Kiểm", "TRƯỞNG BAN", "CHỦ TRÌ HỘI NGHỊ"):
        assert line in text, line
    pdf = client.get(f"/chair/sessions/{session.id}/minutes.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_the_word_minutes_exist_only_after_the_tally(client, chair, make):
    session = make.open_session()
    assert client.get(f"/chair/sessions/{session.id}/minutes.docx").status_code == 409
