"""Files people keep: the results and the attendance sheet as XLSX that open and hold the
tally's numbers, with formulas made inert; the import templates the importer reads back."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from votingapp.documents.exports import neutralize
from votingapp.documents.importer import parse_members, parse_organizations
from votingapp.extensions import db
from votingapp.services import ballots, tallying

from ..helpers import seal_choices

HIGH, MIDDLE, LOW = "tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap"


def cells(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def row_starting(rows, *first):
    return next(row for row in rows if tuple(row[:len(first)]) == first)


@pytest.mark.parametrize(("value", "stored"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("Nguyễn Văn A", "Nguyễn Văn A"), (-3, -3), (None, None)])
def test_text_a_spreadsheet_would_run_is_made_inert(value, stored):
    assert neutralize(value) == stored


def test_the_results_xlsx_opens_and_holds_the_tallys_numbers(client, chair, make):
    meeting = make.meeting(members=5, present=4)
    session = make.open_session(meeting=meeting, subjects=2)
    first, second = session.subjects
    first.name = "=HYPERLINK(\"http://evil\",\"x\")"  # a name typed to attack the clerk's spreadsheet
    db.session.commit()
    marks = [{first.key: LOW, second.key: HIGH}, {first.key: LOW, second.key: HIGH},
             {first.key: LOW, second.key: MIDDLE}, {first.key: HIGH, second.key: LOW}]
    for token, choices in zip(ballots.issue_tokens(session, 4, mode="api", by="test"), marks, strict=True):
        ballots.cast_ballot(token, seal_choices(session, choices))
    ballots.close_session(session, by="test")
    document = tallying.tally_session(session, by="test").document

    answer = client.get(f"/chair/sessions/{session.id}/results.xlsx")
    assert answer.status_code == 200
    assert answer.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in answer.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(answer.data))
    formulas = [cell.coordinate for row in workbook.active.iter_rows() for cell in row if cell.data_type == "f"]
    assert formulas == []
    rows = cells(answer.data)
    # 4 ballots received, the qd96-2023 basis: 3 low of 4 = 75.00 %, 1 of 4 = 25.00 %, 2 of 4 = 50.00 %
    attacked = row_starting(rows, 1, "'=HYPERLINK(\"http://evil\",\"x\")")
    assert attacked[2:8] == [1, 25.0, 0, 0.0, 3, 75.0]
    plain = row_starting(rows, 2, second.name)
    assert plain[2:8] == [2, 50.0, 1, 25.0, 1, 25.0]
    counted = {s["id"]: s["counts"] for s in document["subjects"]}
    assert (attacked[2], attacked[4], attacked[6]) == (counted[first.key][HIGH], counted[first.key][MIDDLE],
                                                       counted[first.key][LOW])
    assert row_starting(rows, "Present")[1] == 4 and row_starting(rows, "Summoned")[1] == 5
    assert row_starting(rows, "Valid ballots")[1] == 4 and row_starting(rows, "Invalid ballots")[1] == 0
    assert row_starting(rows, "Percentages of: Ballots received (4)")  # the qd96-2023 basis


def test_results_xlsx_before_the_tally_is_refused(client, login_as, make):
    session = make.open_session()
    login_as("chair")
    assert client.get(f"/chair/sessions/{session.id}/results.xlsx").status_code == 409


def test_the_attendance_sheet_lists_everyone_summoned_with_presence(client, login_as, make):
    meeting = make.meeting(members=5, present=3)
    login_as("chair")
    answer = client.get(f"/chair/meetings/{meeting.id}/attendance.xlsx")
    assert answer.status_code == 200
    rows = cells(answer.data)
    listed = [row for row in rows if isinstance(row[0], int)]
    assert len(listed) == 5
    codes = sorted(row.member.code for row in meeting.attendance)
    assert [row[1] for row in listed] == codes
    present = {row.member.code for row in meeting.attendance if row.present}
    marks = {row[1]: row[4] for row in listed}
    assert len({marks[code] for code in present}) == 1 and len(set(marks.values())) == 2
    assert any(row[1] == "3 / 5" for row in rows)


def test_the_attendance_sheet_is_for_staff_of_the_subtree(client, login_as, make):
    meeting = make.meeting()
    login_as("chair", organization=make.organization())
    assert client.get(f"/chair/meetings/{meeting.id}/attendance.xlsx").status_code == 403


@pytest.mark.parametrize("kind", ["organizations", "members"])
def test_import_templates_download_and_import_back_cleanly(client, login_as, kind):
    login_as("admin")
    page = client.get("/chair/import").get_data(as_text=True)
    url = f"/chair/import/template-{kind}.xlsx"
    assert url in page
    answer = client.get(url)
    assert answer.status_code == 200 and answer.data[:2] == b"PK"
    if kind == "organizations":
        parsed = parse_organizations(answer.data)
    else:
        parsed = parse_members(answer.data, known_organizations={"SL-01"})
    assert parsed.ok, parsed.errors
    assert len(parsed.rows) >= 2
