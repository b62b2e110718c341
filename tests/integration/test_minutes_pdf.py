"""The biên bản kiểm phiếu: printed from the signed tally document alone, with its numbers,
Vietnamese words and diacritics intact, running over pages with the table heading repeated,
and served only to staff who may read the results, only after the tally."""

from __future__ import annotations

import copy
import io
import re
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader

from votingapp.documents.minutes import count_vi, date_vi, percent_vi, render_minutes
from votingapp.extensions import db
from votingapp.models import BallotSession
from votingapp.services import ballots, meetings

from ..helpers import seal_choices

pytestmark = pytest.mark.sealed_scheme  # exercises sealed-v2 sessions: see tests/conftest.py


HIGH, MIDDLE, LOW = "tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap"
ORGANIZATION = "Chi bộ thôn Đông Hưng"
SESSION_TITLE = "Lấy phiếu tín nhiệm đối với cán bộ lãnh đạo, quản lý"
NAMES = ["Vũ Phương Nhung", "Đặng Thị Hồng Ngọc", "Nguyễn Hữu Dũng"]
COMMITTEE = ["Trần Thị Ánh", "Lê Văn Bình", "Phạm Quốc Cường"]
#: per subject the marks of the 9 valid ballots: 6 of 11 low is over 1/2, 8 of 11 is 2/3 or more
MARKS = [[HIGH] * 3 + [LOW] * 6, [MIDDLE] + [LOW] * 8, [HIGH] * 5 + [MIDDLE] * 4]


SUPERIOR = "Đảng ủy xã Tả Van"
PLACE, CHAIR, SECRETARY = "Tả Van", "Hoàng Văn Chủ", "Lý Thị Thư"


def named_meeting(make, names, members=12, present=11):
    superior = make.organization(name=SUPERIOR)
    meeting = make.meeting(members=members, present=present,
                           organization=make.organization(name=ORGANIZATION, parent=superior))
    # names may name only the first few members; the rest keep theirs
    for row, name in zip(sorted(meeting.attendance, key=lambda row: row.member.code), names, strict=False):
        row.member.full_name = name
    db.session.commit()
    return meeting


@pytest.fixture
def confidence_tally(make):
    """12 summoned, 11 present and received: 9 valid, 1 blank, 1 sealed for another session
    (which this session's key cannot open)."""
    meeting = named_meeting(make, NAMES)
    meetings.update_meeting_details(meeting, {"place": PLACE, "chair_name": CHAIR, "secretary_name": SECRETARY},
                                    by="test")
    session = make.open_session(meeting=meeting, subjects=3, title=SESSION_TITLE)
    keys = [subject.key for subject in session.subjects]
    valid = [{key: MARKS[i][n] for i, key in enumerate(keys)} for n in range(9)]
    invalid = [seal_choices(session, {}), seal_choices(session, {keys[0]: HIGH}, session_id="another-session")]
    return make.tallied_session(valid, session=session, extra_wire=invalid, committee=COMMITTEE).tally.document


def pages_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    """Extracted text breaks lines where the PDF wraps them: compare with single spaces."""
    return re.sub(r"\s+", " ", text)


def row_pattern(number: int, subject: dict, options: list[str]) -> str:
    """One table row as the document says it: number, name, then count and percentage per level."""
    cells = [str(number), re.escape(subject["name"])] + (
        [re.escape(subject["detail"])] if subject.get("detail") else [])
    for option in options:
        cells += [count_vi(subject["counts"][option]), re.escape(percent_vi(subject["percent"][option]))]
    return r"\s+".join(cells)


# --- formatting --------------------------------------------------------------------------------

@pytest.mark.parametrize("value, shown", [("54.55", "54,55%"), ("0.00", "0,00%"), ("100.00", "100,00%"),
                                          (None, "—")])
def test_percentages_take_a_decimal_comma_and_an_empty_basis_shows_a_dash(value, shown):
    assert percent_vi(value) == shown


@pytest.mark.parametrize("iso, shown", [("2026-12-05", "ngày 05 tháng 12 năm 2026"),
                                        ("2026-02-15", "ngày 15 tháng 02 năm 2026"),
                                        ("2026-03-01", "ngày 01 tháng 3 năm 2026")])
def test_dates_read_as_vietnamese_administrative_papers_write_them(iso, shown):
    assert date_vi(iso) == shown


def test_thousands_are_grouped_with_a_dot():
    assert (count_vi(7), count_vi(10000), count_vi(1234567)) == ("7", "10.000", "1.234.567")


# --- content -----------------------------------------------------------------------------------

def test_minutes_carry_exactly_the_numbers_of_the_signed_tally(confidence_tally):
    tally = confidence_tally
    assert (tally["bases"], tally["ballots"]["invalid_by_reason"]) == (
        {"summoned": 12, "present": 11, "issued": 11, "received": 11, "valid": 9, "base": 12},
        {"blank": 1, "undecryptable": 1})
    text = flat("\n".join(pages_of(render_minutes(tally))))
    for label, value in (("Số người được triệu tập", 12),
                         (r"Số người không tính vào tổng số \(được trừ theo quy định\)", 0),
                         ("Số người làm căn cứ tính tỷ lệ", 12), ("Số người có mặt", 11), ("Số phiếu phát ra", 11),
                         ("Số phiếu thu vào", 11), ("Số phiếu hợp lệ", 9), ("Số phiếu không hợp lệ", 2)):
        assert re.search(rf"\d\. {label}: ?{value}\b", text), label
    assert ("vì: Không đánh dấu ô nào trên cả phiếu: 1; "
            "Phiếu không do Ban kiểm phiếu phát ra (không giải mã được): 1.") in text
    assert "Tỷ lệ tính trên số phiếu thu vào (11)." in text
    assert [s["consequence"] for s in tally["subjects"]] == ["over_half_low", "two_thirds_low", "none"]
    verdicts = ["Trên 1/2 đến dưới 2/3 tín nhiệm thấp", "Từ 2/3 tín nhiệm thấp trở lên", "Không thuộc diện xem xét"]
    for number, (subject, verdict) in enumerate(zip(tally["subjects"], verdicts, strict=True), start=1):
        assert re.search(row_pattern(number, subject, [HIGH, MIDDLE, LOW]) + " " + verdict, text), subject["name"]
    assert "6 54,55%" in text and "8 72,73%" in text and "5 45,45%" in text  # by hand: 6, 8, 5 of 11
    assert ("Trên 1/2 đến dưới 2/3 tín nhiệm thấp: theo Quy định 96-QĐ/TW, Điều 13, không đưa vào quy hoạch "
            "chức vụ cao hơn") in text
    assert "Từ 2/3 tín nhiệm thấp trở lên: theo Quy định 96-QĐ/TW, Điều 13, xem xét miễn nhiệm." in text
    assert not set("“”\"") & set(text.split("III.")[0])  # summaries, never printed as quotations


def body_text(pdf: bytes) -> str:
    """The pages' text without the footers, so a sentence a page break splits reads whole."""
    lines = "\n".join(pages_of(pdf)).splitlines()
    return flat(" ".join(line for line in lines if not line.startswith("Biên bản kiểm phiếu · phiên")))


def test_minutes_are_vietnamese_with_their_diacritics_and_the_committee_signs(confidence_tally):
    text = body_text(render_minutes(confidence_tally))
    for words in ("ĐẢNG CỘNG SẢN VIỆT NAM", ORGANIZATION.upper(), "ngày 05 tháng 12 năm 2026",
                  "BIÊN BẢN KIỂM PHIẾU", SESSION_TITLE, "Hội nghị: Hội nghị kiểm điểm năm 2026",
                  "Tín nhiệm cao", "Tín nhiệm thấp", "Kết luận theo QĐ 96-QĐ/TW", *NAMES,
                  f"1. Đồng chí {COMMITTEE[0]} – Trưởng ban", f"3. Đồng chí {COMMITTEE[2]} – Thành viên",
                  "Quy tắc kiểm phiếu đã áp dụng: Quy định 96-QĐ/TW (2023), tỷ lệ tính trên số phiếu thu vào "
                  "(mã qd96-2023, phiên bản 1)."):
        assert words in text, words
    sign = "(Ký, ghi rõ họ tên)"
    assert (f"BAN KIỂM PHIẾU TRƯỞNG BAN {sign} {COMMITTEE[0]} THÀNH VIÊN {sign} {COMMITTEE[1]} "
            f"THÀNH VIÊN {sign} {COMMITTEE[2]} CHỦ TRÌ HỘI NGHỊ {sign}") in text


def test_minutes_open_with_the_party_letterhead_place_date_time_chair_and_posts(confidence_tally):
    """Hướng dẫn 36-HD/VPTW: superior committee over the organization on the left, the Party's
    name on the right with the place and date under it; then time, place, chair, secretary."""
    tally = confidence_tally
    session = tally["session"]
    assert (session["superior"], session["place"], session["chair"], session["secretary"]) == \
        (SUPERIOR, PLACE, CHAIR, SECRETARY)
    opened, closed = (datetime.fromisoformat(session[key]) for key in ("opened_at", "closed_at"))
    assert opened.utcoffset() == closed.utcoffset() == timedelta(hours=7) and opened <= closed
    lines = pages_of(render_minutes(tally))[0].splitlines()
    head = flat(" ".join(lines[:4]))
    assert SUPERIOR.upper() in head and ORGANIZATION.upper() in head and "ĐẢNG CỘNG SẢN VIỆT NAM" in head
    assert head.index(SUPERIOR.upper()) < head.index(ORGANIZATION.upper())
    text = flat("\n".join(pages_of(render_minutes(tally))))
    assert f"{PLACE}, ngày 05 tháng 12 năm 2026" in text
    assert (f"Thời gian: bỏ phiếu từ {opened.hour:02d} giờ {opened.minute:02d} đến {closed.hour:02d} giờ "
            f"{closed.minute:02d}, ngày 05 tháng 12 năm 2026.") in text
    assert f"Địa điểm: {PLACE}." in text
    assert f"Chủ trì hội nghị: đồng chí {CHAIR}; thư ký hội nghị: đồng chí {SECRETARY}." in text
    assert tally["subjects"][0]["detail"] == "Bí thư chi bộ"
    assert re.search(r"1\s+Vũ Phương Nhung\s+Bí thư chi bộ\s+3\s", text)
    assert f"CHỦ TRÌ HỘI NGHỊ (Ký, ghi rõ họ tên) {CHAIR}" in text


def test_a_tally_without_the_newer_facts_still_prints_with_places_to_write_them(confidence_tally):
    old = copy.deepcopy(confidence_tally)
    for key in ("superior", "place", "chair", "secretary", "opened_at", "closed_at"):
        del old["session"][key]
    del old["bases"]["base"]
    for subject in old["subjects"]:
        subject.pop("detail", None)
        del subject["percent_by_basis"]["base"]
    text = flat("\n".join(pages_of(render_minutes(old))))
    assert "..............., ngày 05 tháng 12 năm 2026" in text
    assert "Thời gian: bỏ phiếu từ ..... giờ ..... đến ..... giờ ....., ngày 05 tháng 12 năm 2026." in text
    assert "Số người làm căn cứ" not in text and "Số người được triệu tập: 12" in text


def test_minutes_tie_the_paper_to_the_board_head_and_the_signatures(confidence_tally):
    tally = confidence_tally
    text = "\n".join(pages_of(render_minutes(tally)))
    signature = tally["signature"]
    assert f"Mã băm cuối bảng phiếu: {tally['board_head'][:16]}" in flat(text)
    assert tally["board_head"] in text.replace("\n", "")
    assert signature["value"][:16] in text and signature["public_key"] in text
    assert signature["value"] in text.replace("\n", "")
    assert tally["session"]["id"] in text


def test_minutes_with_the_board_add_its_signature_and_refuse_a_board_of_another_head(confidence_tally):
    board = db.session.get(BallotSession, confidence_tally["session"]["id"]).board.document
    text = "\n".join(pages_of(render_minutes(confidence_tally, board)))
    assert f"Chữ ký số bảng phiếu (Ed25519): {board['signature']['value'][:16]}" in flat(text)
    with pytest.raises(ValueError):
        render_minutes(confidence_tally, board | {"head": "0" * 64})


def test_minutes_print_the_documents_numbers_and_never_recount_them(confidence_tally):
    changed = copy.deepcopy(confidence_tally)
    changed["ballots"]["valid"] = 777
    changed["subjects"][0]["counts"][LOW] = 4321
    changed["subjects"][0]["percent"][LOW] = "12.34"
    changed["subjects"][0]["consequence"] = "two_thirds_low"
    text = flat("\n".join(pages_of(render_minutes(changed))))
    assert "Số phiếu hợp lệ: 777" in text
    assert re.search(row_pattern(1, changed["subjects"][0], [HIGH, MIDDLE, LOW]) + " Từ 2/3 tín nhiệm thấp", text)
    assert text.count("Từ 2/3 tín nhiệm thấp trở lên") == 3  # the changed row, row 2 and the rule under the table


def test_a_tally_signed_before_boards_existed_still_prints_with_dashes_for_what_it_lacks(confidence_tally):
    legacy = {key: value for key, value in confidence_tally.items()
              if key not in ("board_head", "committee", "signature", "tokens")}
    text = flat("\n".join(pages_of(render_minutes(legacy))))
    assert "Mã băm cuối bảng phiếu: —" in text and "Chữ ký số kết quả kiểm phiếu (Ed25519): —" in text
    assert "Số phiếu hợp lệ: 9" in text and "Trưởng ban" in text


def test_an_untyped_committee_leaves_places_to_write_the_names_by_hand(make):
    session = make.open_session(meeting=named_meeting(make, NAMES), subjects=1)
    text = flat("\n".join(pages_of(render_minutes(make.tallied_session([[HIGH]], session=session).tally.document))))
    assert re.search(r"1\. Đồng chí \.{20,} – Trưởng ban 2\. Đồng chí \.{20,} – Thành viên "
                     r"3\. Đồng chí \.{20,} – Thành viên", text)
    assert text.count("THÀNH VIÊN") == 2 and "TRƯỞNG BAN" in text


def test_thirty_people_and_long_names_run_over_pages_with_the_heading_repeated(make):
    names = [f"Nguyễn Thị Người Thứ {n}" for n in range(1, 31)]
    names[4] = "Tôn Nữ Thị " + "Phương Hoàng Diễm Kiều " * 5 + "Ngọc"
    session = make.open_session(meeting=named_meeting(make, names, members=30, present=30), subjects=30)
    keys = [subject.key for subject in session.subjects]
    tally = make.tallied_session([{key: (LOW if n < 3 else HIGH) for key in keys} for n in range(5)],
                                 session=session).tally.document
    pages = pages_of(render_minutes(tally))
    assert len(pages) >= 2
    with_table = [page for page in pages if any(name in flat(page) for name in names)]
    assert len(with_table) >= 2
    for page in with_table:
        assert re.search(r"TT\s+Họ và tên, chức vụ\s+Tín nhiệm cao", page) and "Số phiếu Tỷ lệ" in flat(page)
    text = flat("\n".join(pages))
    for number, subject in enumerate(tally["subjects"], start=1):
        assert re.search(row_pattern(number, subject, [HIGH, MIDDLE, LOW]), text), subject["name"]
    assert all(f"Trang {n}/{len(pages)}" in page for n, page in enumerate(pages, start=1))


def test_motion_minutes_say_agree_disagree_abstain_and_whether_it_passed(make):
    meeting = named_meeting(make, [], members=5, present=5)
    session = make.open_session(meeting=meeting, kind="motion", title="Thông qua nghị quyết năm 2027")
    tally = make.tallied_session([[c] for c in ("agree", "agree", "agree", "disagree", "abstain")],
                                 session=session).tally.document
    text = flat("\n".join(pages_of(render_minutes(tally))))
    assert "Nội dung biểu quyết" in text and "Đồng ý Không đồng ý Không có ý kiến" in text
    assert re.search(row_pattern(1, tally["subjects"][0], ["agree", "disagree", "abstain"]), text)
    assert "3 60,00%" in text and tally["subjects"][0]["outcome"] == "passed"
    # 3 agree of 5 summoned official members: more than 1/2 of the base
    assert "Được thông qua" in text and "Tỷ lệ tính trên số người được triệu tập, không tính số được trừ (5)." in text
    assert "Kết luận theo QĐ 96" not in text and "Quy định 96" not in text
    assert "(Điều lệ Đảng, Điều 9.5; Quy định 24-QĐ/TW, điểm 9.3)" in text


# --- the route ---------------------------------------------------------------------------------

def minutes_url(session) -> str:
    return f"/chair/sessions/{session.id}/minutes.pdf"


def test_anonymous_visitors_are_sent_to_log_in_for_the_minutes(client, make):
    answer = client.get(minutes_url(make.tallied_session()))
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_staff_of_another_subtree_cannot_read_the_minutes(client, login_as, make):
    session = make.tallied_session()
    login_as("auditor", organization=make.organization())
    assert client.get(minutes_url(session)).status_code == 403


def test_minutes_before_the_tally_are_refused(client, login_as, make):
    session = make.open_session()
    login_as("chair")
    assert client.get(minutes_url(session)).status_code == 409
    ballots.close_session(session, by="test")
    assert client.get(minutes_url(session)).status_code == 409


@pytest.mark.parametrize("role", ["chair", "auditor", "admin"])
def test_staff_who_read_results_get_the_minutes_pdf_inline(client, login_as, make, role):
    organization = make.organization()
    session = make.tallied_session(meeting=make.meeting(organization=organization))
    login_as(role, organization=organization)
    answer = client.get(minutes_url(session))
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"] == f'inline; filename="bien-ban-kiem-phieu-{session.id[:8]}.pdf"'
    assert "BIÊN BẢN KIỂM PHIẾU" in pages_of(answer.data)[0]
    results_page = client.get(f"/chair/sessions/{session.id}/results").get_data(as_text=True)
    assert minutes_url(session) in results_page


def test_minutes_are_refused_when_the_stored_board_no_longer_ends_in_the_tallys_head(client, login_as, make):
    session = make.tallied_session()
    session.board.document = session.board.document | {"head": "0" * 64}
    db.session.commit()
    login_as("auditor")
    answer = client.get(minutes_url(session))
    assert answer.status_code == 409 and answer.mimetype != "application/pdf"
