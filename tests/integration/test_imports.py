"""Importing organization and member lists: the whole file or nothing, matched by code."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from votingapp.extensions import db
from votingapp.models import ActivityEvent, Member, Organization
from votingapp.services.errors import ServiceError
from votingapp.services.imports import ImportReport, import_members, import_organizations

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
MEMBER_HEADER = "Mã đảng viên,Họ và tên,Giới tính,Ngày sinh,Mã chi bộ,Chức vụ,\"Lãnh đạo, quản lý\""


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def members_csv(*lines: str, header: str = MEMBER_HEADER) -> bytes:
    return "\n".join([header, *lines]).encode("utf-8")


def snapshot() -> dict:
    """Everything an import may touch, as plain values."""
    return {
        "organizations": [(o.code, o.name, o.level, o.parent.code if o.parent else None)
                          for o in db.session.scalars(select(Organization).order_by(Organization.code))],
        "members": [(m.code, m.full_name, m.gender, m.birth_date, m.post, m.is_leader, m.organization.code)
                    for m in db.session.scalars(select(Member).order_by(Member.code))],
        "audit": db.session.query(ActivityEvent).count(),
    }


def import_fails(call, *args) -> list[dict]:
    with pytest.raises(ServiceError) as caught:
        call(*args, by="admin")
    assert caught.value.code == "import_failed" and caught.value.status == 422
    db.session.rollback()
    return caught.value.extra["lines"]


@pytest.fixture
def district(app):
    import_organizations(sample("organizations.csv"), "organizations.csv", by="admin")
    import_members(sample("members.csv"), "members.csv", by="admin")


def organization(code: str) -> Organization:
    return db.session.scalar(select(Organization).where(Organization.code == code))


def test_organization_sample_builds_the_province_commune_cell_tree(app):
    report = import_organizations(sample("organizations.csv"), "organizations.csv", by="admin")
    assert report == ImportReport(created=20, updated=0, total=20)
    province = organization("TU")
    assert (province.name, province.level, province.parent) == ("Tỉnh ủy Sơn Hà", "tinh", None)
    assert [o.code for o in province.children] == ["SL", "ST", "THPT", "TT"]
    cell = organization("SL-01")
    assert (cell.level, cell.parent.code, cell.parent.level) == ("chi-bo", "SL", "co-so")
    assert cell.grassroots() is cell.parent and province.grassroots() is None


def test_the_district_shaped_tree_of_before_2025_still_imports_with_its_members(app):
    report = import_organizations(sample("organizations-district.csv"), "organizations-district.csv", by="admin")
    assert report == ImportReport(created=20, updated=0, total=20)
    assert import_members(sample("members.csv"), "members.csv", by="admin").created == 403
    district = organization("HU")
    assert (district.name, district.level, district.parent) == ("Huyện ủy Sơn Hà", "huyen", None)
    assert [o.code for o in district.children] == ["SL", "ST", "THPT", "TT"]
    assert (organization("SL-01").grassroots().code, organization("SL-01").parent.parent.code) == ("SL", "HU")


def test_a_district_tree_reimported_as_the_2025_tree_moves_the_communes_under_the_province(app):
    """The same codes, a new top: the communes change parent, the district stays, childless."""
    import_organizations(sample("organizations-district.csv"), "o.csv", by="admin")
    report = import_organizations(sample("organizations.csv"), "o.csv", by="admin")
    assert (report.created, report.total) == (1, 20)
    assert organization("SL").parent.code == "TU" and organization("SL").name == "Đảng ủy xã Sơn Lâm"
    assert organization("HU").children == []


def test_member_sample_imports_403_members_into_their_cells(app):
    import_organizations(sample("organizations.csv"), "organizations.csv", by="admin")
    report = import_members(sample("members.csv"), "members.csv", by="admin")
    assert report == ImportReport(created=403, updated=0, total=403)
    first = db.session.scalar(select(Member).where(Member.code == "DV00001"))
    assert (first.full_name, first.gender, first.birth_date, first.post, first.is_leader, first.organization.code) == \
        ("Vũ Phương Nhung", "Nữ", date(1962, 1, 6), "Bí thư chi bộ", True, "SL-01")
    assert db.session.query(Member).filter_by(is_leader=True).count() == 36


def test_each_import_records_one_audit_event_with_its_counts(app, district):
    events = db.session.scalars(select(ActivityEvent).where(ActivityEvent.action.like("import_%"))
                                .order_by(ActivityEvent.id)).all()
    assert [(e.actor, e.action) for e in events] == [("admin", "import_organizations"), ("admin", "import_members")]
    assert events[1].details == {"filename": "members.csv", "created": 403, "updated": 0, "total": 403}


def test_the_error_sample_imports_nothing_and_lists_its_five_lines(app, district):
    before = snapshot()
    lines = import_fails(import_members, sample("members-with-errors.csv"), "members-with-errors.csv")
    assert [(e["line"], e["column"]) for e in lines] == [(3, "Họ và tên"), (4, "Ngày sinh"), (5, "Mã chi bộ"),
                                                          (6, "Mã đảng viên"), (7, "Lãnh đạo, quản lý")]
    assert all(e["message"] and e["message_vi"] for e in lines)
    assert snapshot() == before


def test_one_bad_line_among_good_ones_leaves_the_database_exactly_as_before(app, district):
    before = snapshot()
    data = members_csv("DV00001,Tên Mới,Nữ,06/01/1962,SL-02,,",      # would update
                       "DV99999,Người Mới,Nam,01/01/1990,SL-01,,",   # would create
                       "DV99998,Người Sai,Nam,31/04/1990,SL-01,,")   # 31 April
    assert [e["line"] for e in import_fails(import_members, data, "m.csv")] == [4]
    assert snapshot() == before


def test_a_bad_organization_file_creates_no_organization(app):
    data = "Mã tổ chức,Tên tổ chức,Mã tổ chức cấp trên,Cấp\nTU,Tỉnh ủy,,tỉnh\nX,Chi bộ X,NOWHERE,chi bộ\n"
    assert [e["line"] for e in import_fails(import_organizations, data.encode(), "o.csv")] == [3]
    assert snapshot() == {"organizations": [], "members": [], "audit": 0}


def test_members_cannot_be_imported_before_their_organizations(app):
    lines = import_fails(import_members, sample("members.csv"), "members.csv")
    assert len(lines) == 403 and {e["column"] for e in lines} == {"Mã chi bộ"}
    assert snapshot()["members"] == []


def test_an_unreadable_file_is_refused_with_one_file_level_error(app, district):
    before = snapshot()
    lines = import_fails(import_members, b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png")
    assert len(lines) == 1 and lines[0]["line"] is None
    assert snapshot() == before


def test_reimporting_the_same_file_changes_nothing(app, district):
    before = snapshot()
    assert import_members(sample("members.csv"), "members.csv", by="admin") == ImportReport(0, 0, 403)
    assert import_organizations(sample("organizations.csv"), "o.csv", by="admin") == ImportReport(0, 0, 20)
    after = snapshot()
    assert after["organizations"] == before["organizations"] and after["members"] == before["members"]


def test_reimport_updates_members_matched_by_code(app, district):
    data = members_csv("DV00001,Vũ Phương Nhung,Nữ,07/01/1962,SL-02,Phó Bí thư chi bộ,",
                       "DV00004,Nguyễn Thị Mai,Nữ,07/08/1978,SL-01,Bí thư chi bộ,x",
                       "DV00005,Người Mới,Nam,,TT-06,,")
    existing = db.session.scalar(select(Member).where(Member.code == "DV00005"))
    db.session.delete(existing)
    db.session.commit()

    assert import_members(data, "update.csv", by="admin") == ImportReport(created=1, updated=2, total=3)
    first, fourth, fifth = (db.session.scalar(select(Member).where(Member.code == code))
                            for code in ("DV00001", "DV00004", "DV00005"))
    assert (first.birth_date, first.organization.code, first.post, first.is_leader) == \
        (date(1962, 1, 7), "SL-02", "Phó Bí thư chi bộ", False)
    assert (fourth.post, fourth.is_leader) == ("Bí thư chi bộ", True)
    assert (fifth.full_name, fifth.birth_date, fifth.organization.code) == ("Người Mới", None, "TT-06")
    assert db.session.query(Member).count() == 403


def test_a_column_left_out_of_the_file_keeps_its_stored_values(app, district):
    data = members_csv("DV00001,Vũ Phương Nhung Mới,SL-01", header="Mã đảng viên,Họ và tên,Mã chi bộ")
    assert import_members(data, "names.csv", by="admin") == ImportReport(created=0, updated=1, total=1)
    member = db.session.scalar(select(Member).where(Member.code == "DV00001"))
    assert (member.full_name, member.birth_date, member.post, member.is_leader) == \
        ("Vũ Phương Nhung Mới", date(1962, 1, 6), "Bí thư chi bộ", True)


def test_reimport_moves_and_renames_organizations_with_parents_from_the_database(app, district):
    data = ("Mã tổ chức,Tên tổ chức,Mã tổ chức cấp trên,Cấp\n"
            "SL-05,Chi bộ Trường Tiểu học,ST,chi bộ\n"
            "ST-05,Chi bộ thôn mới,ST,chi bộ\n").encode()
    assert import_organizations(data, "o.csv", by="admin") == ImportReport(created=1, updated=1, total=2)
    moved = db.session.scalar(select(Organization).where(Organization.code == "SL-05"))
    assert (moved.name, moved.parent.code) == ("Chi bộ Trường Tiểu học", "ST")
    assert len(moved.members) == 26  # members follow their cell
    new = db.session.scalar(select(Organization).where(Organization.code == "ST-05"))
    assert (new.parent.code, new.level) == ("ST", "chi-bo")


def test_an_organization_cannot_be_moved_under_its_own_subtree(app, district):
    before = snapshot()
    data = "Mã tổ chức,Tên tổ chức,Mã tổ chức cấp trên,Cấp\nSL,Đảng ủy xã Sơn Lâm,SL-01,cơ sở\n".encode()
    assert [e["line"] for e in import_fails(import_organizations, data, "o.csv")] == [2]
    assert snapshot() == before
