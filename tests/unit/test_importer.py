"""The importer reads the units' spreadsheets as they are and says exactly what is wrong."""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from votingapp.documents import importer
from votingapp.documents.importer import MAX_ROWS, parse_members, parse_organizations
from votingapp.domain.levels import SEED_LEVELS, Level

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
MEMBER_HEADER = "Mã đảng viên,Họ và tên,Giới tính,Ngày sinh,Mã chi bộ,Chức vụ,\"Lãnh đạo, quản lý\""
SAMPLE_CELLS = [line.split(",")[0] for line in (SAMPLES / "organizations.csv").read_text("utf-8-sig").splitlines()[1:]]


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def members_csv(*lines: str, header: str = MEMBER_HEADER) -> bytes:
    return "\n".join([header, *lines]).encode("utf-8")


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def only_error(parsed) -> importer.LineError:
    assert len(parsed.errors) == 1, parsed.errors
    return parsed.errors[0]


# --- the samples ------------------------------------------------------------------------

def test_organization_sample_yields_twenty_organizations_in_a_province_commune_cell_tree():
    parsed = parse_organizations(sample("organizations.csv"))
    assert parsed.ok, parsed.errors
    by_code = {row.code: row.values for row in parsed.rows}
    assert len(by_code) == 20
    assert by_code["TU"] == {"code": "TU", "name": "Tỉnh ủy Sơn Hà", "parent_code": None, "level": "tinh"}
    assert by_code["SL"] == {"code": "SL", "name": "Đảng ủy xã Sơn Lâm", "parent_code": "TU", "level": "co-so"}
    assert by_code["SL-01"] == {"code": "SL-01", "name": "Chi bộ thôn Đông", "parent_code": "SL", "level": "chi-bo"}
    assert {values["level"] for values in by_code.values()} == {"tinh", "co-so", "chi-bo"}


def test_the_district_shaped_sample_of_before_2025_still_reads_with_the_same_units():
    parsed = parse_organizations(sample("organizations-district.csv"))
    assert parsed.ok, parsed.errors
    by_code = {row.code: row.values for row in parsed.rows}
    assert by_code["HU"] == {"code": "HU", "name": "Huyện ủy Sơn Hà", "parent_code": None, "level": "huyen"}
    assert by_code["SL"]["parent_code"] == "HU" and by_code["SL"]["level"] == "co-so"
    assert set(by_code) - {"HU"} == set(SAMPLE_CELLS) - {"TU"}


def test_member_sample_yields_403_members_with_dates_posts_and_leaders():
    parsed = parse_members(sample("members.csv"), SAMPLE_CELLS)
    assert parsed.ok, parsed.errors
    assert len(parsed.rows) == 403
    first = parsed.rows[0]
    assert first.line == 2
    assert first.values == {"code": "DV00001", "full_name": "Vũ Phương Nhung", "gender": "Nữ",
                            "birth_date": date(1962, 1, 6), "cell_code": "SL-01", "post": "Bí thư chi bộ",
                            "is_leader": True}
    assert sum(row.values["is_leader"] for row in parsed.rows) == 36
    assert parsed.rows[3].values["is_leader"] is False and parsed.rows[3].values["post"] == ""


def test_error_sample_reports_exactly_its_five_errors_line_by_line():
    parsed = parse_members(sample("members-with-errors.csv"), SAMPLE_CELLS)
    found = [(e.line, e.column) for e in parsed.errors]
    assert found == [(3, "Họ và tên"), (4, "Ngày sinh"), (5, "Mã chi bộ"), (6, "Mã đảng viên"),
                     (7, "Lãnh đạo, quản lý")]
    by_line = {e.line: e for e in parsed.errors}
    assert "31/02/1979" in by_line[4].message_en and "dd/mm/yyyy" in by_line[4].message_en
    assert "XX-99" in by_line[5].message_en and "XX-99" in by_line[5].message_vi
    assert "line 2" in by_line[6].message_en and "dòng 2" in by_line[6].message_vi
    assert "“x”" in by_line[7].message_en and "“có”" in by_line[7].message_en
    assert "“x”" in by_line[7].message_vi
    assert [row.line for row in parsed.rows] == [2]


def test_every_error_is_written_in_english_and_vietnamese():
    parsed = parse_members(sample("members-with-errors.csv"), SAMPLE_CELLS)
    for error in parsed.errors:
        assert error.message_en and error.message_vi and error.message_en != error.message_vi
        assert set(error.to_dict()) == {"line", "column", "message", "message_vi"}


# --- encodings and formats --------------------------------------------------------------

def test_csv_reads_the_same_with_or_without_byte_order_mark():
    with_bom = sample("members.csv")
    assert with_bom.startswith(codecs.BOM_UTF8)
    without_bom = with_bom[len(codecs.BOM_UTF8):]
    assert parse_members(with_bom, SAMPLE_CELLS).rows == parse_members(without_bom, SAMPLE_CELLS).rows


def test_csv_saved_as_utf16_unicode_text_with_tabs_is_read():
    text = sample("members.csv").decode("utf-8-sig").replace('"Lãnh đạo, quản lý"', "Lãnh đạo, quản lý")
    tabbed = "\n".join(line.replace(",", "\t", 6) if i else line.replace(",", "\t").replace("\tquản", ", quản")
                       for i, line in enumerate(text.splitlines()))
    parsed = parse_members(tabbed.encode("utf-16"), SAMPLE_CELLS)
    assert parsed.ok, parsed.errors[:3]
    assert len(parsed.rows) == 403


def test_semicolon_separated_csv_is_read():
    data = members_csv("DV1;Nguyễn Văn A;Nam;01/02/1980;SL-01;;x",
                       header=MEMBER_HEADER.replace(",", ";").replace('"Lãnh đạo; quản lý"', "Lãnh đạo, quản lý"))
    parsed = parse_members(data, SAMPLE_CELLS)
    assert parsed.ok, parsed.errors
    assert parsed.rows[0].values["full_name"] == "Nguyễn Văn A" and parsed.rows[0].values["is_leader"] is True


def test_xlsx_reads_like_the_csv_with_real_excel_dates():
    rows = [MEMBER_HEADER.replace('"', "").split(",", 6)]
    rows[0][6] = "Lãnh đạo, quản lý"
    rows += [["DV00001", "Vũ Phương Nhung", "Nữ", datetime(1962, 1, 6), "SL-01", "Bí thư chi bộ", "x"],
             ["DV00002", "Võ Kim Hoa", "Nữ", "04/03/1976", "SL-01", None, None],
             [12345, "Số Mã", "Nam", None, "SL-02", None, "X"]]
    parsed = parse_members(xlsx(rows), SAMPLE_CELLS)
    assert parsed.ok, parsed.errors
    values = [row.values for row in parsed.rows]
    assert values[0]["birth_date"] == date(1962, 1, 6) and values[0]["is_leader"] is True
    assert values[1]["birth_date"] == date(1976, 3, 4) and values[1]["post"] == "" and values[1]["is_leader"] is False
    assert values[2]["code"] == "12345" and values[2]["birth_date"] is None and values[2]["is_leader"] is True


def test_xlsx_errors_carry_the_sheet_row_numbers_blank_rows_included():
    header = ["Mã tổ chức", "Tên tổ chức", "Mã tổ chức cấp trên", "Cấp"]
    data = xlsx([[None], header, ["HU", "Huyện ủy", None, "huyện"], [None], ["C1", None, "HU", "chi bộ"]])
    parsed = parse_organizations(data)
    assert [(e.line, e.column) for e in parsed.errors] == [(5, "Tên tổ chức")]


# --- headers ---------------------------------------------------------------------------

@pytest.mark.parametrize("header, line", [
    (MEMBER_HEADER, "DV1,Lê Thị B,Nữ,02/03/1990,SL-01,,x"),
    (MEMBER_HEADER.upper(), "DV1,Lê Thị B,Nữ,02/03/1990,SL-01,,x"),
    ("  mã đảng viên , HỌ VÀ TÊN,giới tính,Ngày  sinh,Mã chi bộ ,Chức vụ,Lãnh đạo - quản lý",
     "DV1,Lê Thị B,Nữ,02/03/1990,SL-01,,x"),
    ("Mã chi bộ,Lãnh đạo/quản lý,Mã đảng viên,Họ và tên", "SL-01,x,DV1,Lê Thị B"),  # other order, fewer columns
])
def test_headers_match_whatever_the_case_spacing_punctuation_or_order(header, line):
    parsed = parse_members(members_csv(line, header=header), SAMPLE_CELLS)
    assert parsed.ok, parsed.errors
    values = parsed.rows[0].values
    assert (values["code"], values["full_name"], values["cell_code"], values["is_leader"]) == \
        ("DV1", "Lê Thị B", "SL-01", True)


def test_headers_without_their_accents_are_not_taken_for_the_right_column():
    header = "Ma dang vien,Ho va ten,Ma chi bo"
    parsed = parse_members(members_csv("DV1,Le Thi B,SL-01", header=header), SAMPLE_CELLS)
    assert [(e.line, e.column) for e in parsed.errors] == [(1, "Mã đảng viên"), (1, "Họ và tên"), (1, "Mã chi bộ")]
    assert all("missing" in e.message_en and "Thiếu cột" in e.message_vi for e in parsed.errors)


def test_a_missing_required_column_is_named_on_the_header_line():
    parsed = parse_organizations("Mã tổ chức,Tên tổ chức\nHU,Huyện ủy\n".encode())
    error = only_error(parsed)
    assert (error.line, error.column) == (1, "Cấp")


def test_a_missing_optional_column_leaves_its_field_out():
    parsed = parse_members(members_csv("DV1,Lê Thị B,SL-01", header="Mã đảng viên,Họ và tên,Mã chi bộ"), SAMPLE_CELLS)
    assert parsed.rows[0].values == {"code": "DV1", "full_name": "Lê Thị B", "cell_code": "SL-01"}


# --- whole-file problems ------------------------------------------------------------------

@pytest.mark.parametrize("data", [b"", codecs.BOM_UTF8, b"\n\n  \n", MEMBER_HEADER.encode() + b"\n,,,,,,\n"])
def test_an_empty_file_or_a_header_alone_is_refused(data):
    error = only_error(parse_members(data, SAMPLE_CELLS))
    assert error.line in (None, 1)
    assert error.message_en and error.message_vi


@pytest.mark.parametrize("data", [
    # Excel "CSV" in a Windows locale
    MEMBER_HEADER.encode("cp1258", "replace") + "\nDV1,Lê Thị B,,,SL-01,,".encode("cp1258", "replace"),
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200),  # old binary .xls
    b"%PDF-1.7\n\x00\x01\x02",
])
def test_a_file_that_is_neither_csv_nor_xlsx_is_refused_as_unreadable(data):
    error = only_error(parse_members(data, SAMPLE_CELLS))
    assert error.line is None
    assert "CSV UTF-8" in error.message_en and "CSV UTF-8" in error.message_vi


def test_a_zip_that_is_not_a_workbook_is_refused_as_unreadable():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    error = only_error(parse_members(out.getvalue(), SAMPLE_CELLS))
    assert error.line is None and "xlsx" in error.message_en


# --- cells ---------------------------------------------------------------------------------

@pytest.mark.parametrize("written", ["31/02/1979", "29/02/2023", "12/13/1980", "1980-01-02", "hôm qua", "01/01/2999"])
def test_an_impossible_birth_date_is_refused(written):
    error = only_error(parse_members(members_csv(f"DV1,Lê B,Nam,{written},SL-01,,"), SAMPLE_CELLS))
    assert (error.line, error.column) == (2, "Ngày sinh")


@pytest.mark.parametrize("written, expected", [("29/02/2024", date(2024, 2, 29)), ("1/2/1980", date(1980, 2, 1)),
                                               ("05.06.1970", date(1970, 6, 5)), ("", None)])
def test_a_real_birth_date_is_read_day_first(written, expected):
    parsed = parse_members(members_csv(f"DV1,Lê B,Nam,{written},SL-01,,"), SAMPLE_CELLS)
    assert parsed.ok, parsed.errors
    assert parsed.rows[0].values["birth_date"] == expected


@pytest.mark.parametrize("written, leader", [("x", True), ("X", True), (" x ", True), ("", False)])
def test_leader_flag_is_x_or_empty(written, leader):
    parsed = parse_members(members_csv(f"DV1,Lê B,Nam,,SL-01,,{written}"), SAMPLE_CELLS)
    assert parsed.rows[0].values["is_leader"] is leader


@pytest.mark.parametrize("written", ["có", "1", "yes", "xx"])
def test_any_other_leader_mark_is_refused_with_a_request_to_write_x(written):
    error = only_error(parse_members(members_csv(f"DV1,Lê B,Nam,,SL-01,,{written}"), SAMPLE_CELLS))
    assert error.column == "Lãnh đạo, quản lý"
    assert "“x”" in error.message_en and "“x”" in error.message_vi


def test_all_problems_of_one_line_are_reported_together():
    parsed = parse_members(members_csv(",,Nam,30/02/1980,NOWHERE,,có"), SAMPLE_CELLS)
    assert [e.column for e in parsed.errors] == ["Mã đảng viên", "Họ và tên", "Ngày sinh", "Mã chi bộ",
                                                 "Lãnh đạo, quản lý"]


def test_a_value_longer_than_its_column_is_refused():
    error = only_error(parse_members(members_csv(f"DV1,{'A' * 201},Nam,,SL-01,,"), SAMPLE_CELLS))
    assert error.column == "Họ và tên" and "200" in error.message_en


def test_a_member_cell_must_be_a_known_organization():
    error = only_error(parse_members(members_csv("DV1,Lê B,Nam,,SL-01,,"), known_organizations=["ST-01"]))
    assert (error.line, error.column) == (2, "Mã chi bộ")


# --- organizations --------------------------------------------------------------------------

@pytest.mark.parametrize("written, level", [("tỉnh", "tinh"), ("huyện", "huyen"), ("Cơ sở", "co-so"),
                                            ("CHI BỘ", "chi-bo"), ("chi-bo", "chi-bo")])
def test_levels_are_read_from_their_vietnamese_labels_or_codes(written, level):
    parsed = parse_organizations(f"Mã tổ chức,Tên tổ chức,Cấp\nA,Tên,{written}\n".encode())
    assert parsed.rows[0].values["level"] == level


def test_an_unknown_level_is_refused_naming_the_known_labels_in_tree_order():
    error = only_error(parse_organizations("Mã tổ chức,Tên tổ chức,Cấp\nA,Tên,xã\n".encode()))
    assert (error.line, error.column) == (2, "Cấp")
    assert "tỉnh, huyện, cơ sở, chi bộ" in error.message_en and "“xã”" in error.message_vi


def test_levels_are_those_given_not_a_list_in_the_code():
    """The service passes the rows of organization_levels: a level added there is read, one
    missing from it is refused."""
    only_cells = [Level("to-dang", "tổ đảng", "Tổ đảng", "Party group", 50), SEED_LEVELS[-1]]
    parsed = parse_organizations("Mã tổ chức,Tên tổ chức,Cấp\nA,Tên,Tổ Đảng\nB,Tên,tỉnh\n".encode(),
                                 levels=only_cells)
    assert [row.values["level"] for row in parsed.rows] == ["to-dang"]
    assert only_error(parsed).line == 3 and "tổ đảng, chi bộ" in parsed.errors[0].message_en


def test_a_parent_may_come_from_the_file_or_the_database_but_must_exist():
    data = "Mã tổ chức,Tên tổ chức,Mã tổ chức cấp trên,Cấp\nA,Tên A,HU,cơ sở\nB,Tên B,A,chi bộ\nC,Tên C,ZZ,chi bộ\n"
    parsed = parse_organizations(data.encode(), existing_parents={"HU": None})
    error = only_error(parsed)
    assert (error.line, error.column) == (4, "Mã tổ chức cấp trên") and "ZZ" in error.message_en


def test_a_parent_chain_that_loops_is_refused_within_the_file():
    data = "Mã tổ chức,Tên tổ chức,Mã tổ chức cấp trên,Cấp\nA,Tên A,B,cơ sở\nB,Tên B,A,chi bộ\nC,Tên C,C,chi bộ\n"
    parsed = parse_organizations(data.encode())
    assert [e.line for e in parsed.errors] == [2, 3, 4]


def test_a_parent_chain_that_loops_through_the_database_is_refused():
    data = "Mã tổ chức,Tên tổ chức,Mã tổ chức cấp trên,Cấp\nHU,Huyện ủy,SL-01,huyện\n"
    parsed = parse_organizations(data.encode(), existing_parents={"HU": None, "SL": "HU", "SL-01": "SL"})
    assert only_error(parsed).line == 2


def test_a_code_used_twice_names_the_line_it_first_appeared_on():
    data = "Mã tổ chức,Tên tổ chức,Cấp\nA,Tên A,huyện\nB,Tên B,huyện\nA,Lại A,huyện\n"
    error = only_error(parse_organizations(data.encode()))
    assert (error.line, error.column) == (4, "Mã tổ chức") and "line 2" in error.message_en


# --- bounded reading: a small file cannot make the reader build a huge table -----------------

def _dimension_bomb() -> bytes:
    """A real workbook whose sheet declares A1:XFD1048576 (a few KB on disk)."""
    import io as _io
    import zipfile as _zipfile

    from openpyxl import Workbook
    buffer = _io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["Mã tổ chức", "Tên tổ chức"])
    workbook.save(buffer)
    source = _zipfile.ZipFile(_io.BytesIO(buffer.getvalue()))
    out = _io.BytesIO()
    with _zipfile.ZipFile(out, "w", _zipfile.ZIP_DEFLATED) as bomb:
        for part in source.infolist():
            body = source.read(part)
            if part.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb'<dimension ref="[A-Z0-9:]+" ?/>', b'<dimension ref="A1:XFD1048576"/>', body)
                assert b"XFD1048576" in body
            bomb.writestr(part, body)
    return out.getvalue()


def test_a_dimension_bomb_is_refused_before_reading_and_in_little_memory():
    import tracemalloc

    bomb = _dimension_bomb()
    assert len(bomb) < 8000
    tracemalloc.start()
    parsed = parse_organizations(bomb)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [e.message_en for e in parsed.errors] == [f"The file has more than {MAX_ROWS} rows; split it."]
    assert peak < 50 * 1024 * 1024  # (its time is measured, not asserted: a few milliseconds here)


def test_a_csv_of_empty_lines_is_read_without_holding_them():
    import tracemalloc

    tracemalloc.start()
    parsed = parse_organizations(b"\n" * (8 * 1024 * 1024))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert parsed.errors and parsed.errors[0].line is None
    assert peak < 50 * 1024 * 1024


def test_reading_stops_at_the_row_limit_plus_one():
    rows = "\n".join(f"T{i},Chi bộ {i},chi bộ,SL" for i in range(MAX_ROWS + 5))
    parsed = parse_organizations(("Mã tổ chức,Tên tổ chức,Cấp,Mã cấp trên\n" + rows).encode())
    assert [e.message_en for e in parsed.errors] == [f"The file has more than {MAX_ROWS} rows; split it."]


def test_a_workbook_that_unzips_too_big_is_refused_before_it_is_opened():
    import io as _io
    import zipfile as _zipfile

    from votingapp.documents import tables
    out = _io.BytesIO()
    with _zipfile.ZipFile(out, "w", _zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/big.bin", b"\0" * (tables.MAX_UNZIPPED + 1))
    assert len(out.getvalue()) < 200_000
    parsed = parse_organizations(out.getvalue())
    assert parsed.errors[0].message_en.startswith("The file cannot be read")
# --- member status (chính thức / dự bị) ----------------------------------------------------

STATUS_HEADER = MEMBER_HEADER.rstrip("\n") + ",Chính thức/Dự bị"


@pytest.mark.parametrize("written, status", [("chính thức", "official"), ("Dự bị", "probationary"),
                                             ("DỰ BỊ", "probationary"), ("probationary", "probationary"),
                                             ("", "official")])
def test_the_optional_status_column_reads_official_or_probationary(written, status):
    parsed = parse_members(members_csv(f"DV1,Lê B,Nam,,SL-01,,,{written}", header=STATUS_HEADER), SAMPLE_CELLS)
    assert parsed.ok, parsed.errors
    assert parsed.rows[0].values["status"] == status


def test_without_the_status_column_a_row_leaves_the_status_alone():
    parsed = parse_members(members_csv("DV1,Lê B,Nam,,SL-01,,"), SAMPLE_CELLS)
    assert "status" not in parsed.rows[0].values


@pytest.mark.parametrize("written", ["x", "chinh thuc", "dự bị 2025"])
def test_any_other_status_is_refused_on_its_line(written):
    error = only_error(parse_members(members_csv(f"DV1,Lê B,Nam,,SL-01,,,{written}", header=STATUS_HEADER),
                                     SAMPLE_CELLS))
    assert (error.line, error.column) == (2, "Chính thức/Dự bị")
    assert "dự bị" in error.message_vi and written in error.message_en


@pytest.mark.parametrize("data", [b"M\xc3\xa3 t\xe1\xbb\x95 ch\xe1\xbb\xa9c\r,x\n", b"a\rb", b"\r\n\r"])
def test_a_bare_carriage_return_in_the_header_line_is_an_unreadable_file_not_a_crash(data):
    parsed = parse_organizations(data)
    assert parsed.errors and all(error.message_vi for error in parsed.errors)


@pytest.mark.parametrize("name", ["organizations.csv", "members.csv"])
def test_the_packaged_demo_data_is_the_samples_copy(name):
    """votingapp/demo_data/README.md says so; `votingapp demo` imports what the tests import."""
    demo = SAMPLES.parents[2] / "votingapp" / "demo_data" / name
    assert demo.read_bytes() == (SAMPLES / name).read_bytes()
