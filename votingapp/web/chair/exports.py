"""Downloads people file: the results and the attendance sheet as XLSX, and the import
templates. Each view loads with the usual permission check and hands plain values and the
page's labels to documents.exports; nothing here reads a ballot."""

from __future__ import annotations

from flask import abort, make_response
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...documents import exports
from ...documents.importer import MEMBER_COLUMNS, organization_columns
from ...domain import ballot_forms
from ...domain import labels as words
from ...domain.levels import SEED_LEVELS
from ..common import get_meeting_or_404, require
from . import bp
from .pages import localized
from .sessions import in_page_language, page_language, reads_results, summoned


def xlsx(data: bytes, filename: str):
    response = make_response(data)
    response.headers["Content-Type"] = exports.XLSX_MIME
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def localized_option(option) -> str:
    return option.text("vi" if str(get_locale()) == "vi" else "en")


@bp.get("/sessions/<session_id>/results.xlsx")
@reads_results
def export_results(session, document):
    """The results page as a spreadsheet, from the stored tally document only."""
    confidence = session.kind == ballot_forms.CONFIDENCE
    basis = document["subjects"][0]["basis"] if document["subjects"] else "present"
    labels = {
        "sheet": _("Results")[:31], "organization": _("Organization"), "meeting": _("Meeting"), "date": _("Date"),
        "held_on": exports.dd_mm_yyyy(session.meeting.held_on), "session": _("Ballot session"),
        "rule": _("Counting rule"), "policy_title": localized(document["policy"], "title"),
        "ballots": _("Ballots"), "bases": in_page_language(words.BASES),
        "invalid": _("Invalid ballots"),
        "percent_of": _("Percentages of: %(basis)s (%(count)d)", basis=words.BASES[basis].text(page_language()),
                        count=document["bases"][basis]),
        "person": _("Person") if confidence else _("Motion"),
        "options": {option.id: localized_option(option) for option in ballot_forms.OPTIONS[session.kind]},
        "verdict": _("Consequence (Regulation 96)") if confidence else _("Outcome"),
        "verdicts": [words.verdict_label(subject, document["policy"], page_language())
                     for subject in document["subjects"]],
    }
    return xlsx(exports.results_workbook(document, labels), f"ket-qua-{session.id[:8]}.xlsx")


@bp.get("/meetings/<int:meeting_id>/attendance.xlsx")
@login_required
@require("can_read_results")
def export_attendance(meeting_id: int):
    """Who was summoned and who was present, with a column to sign: the paper list, filed."""
    meeting = get_meeting_or_404(meeting_id, for_user=current_user)
    heading = [(_("Organization"), meeting.organization.name), (_("Meeting"), meeting.title),
               (_("Date"), exports.dd_mm_yyyy(meeting.held_on)),
               (_("Present"), f"{meeting.present_count} / {meeting.summoned_count}")]
    columns = ["#", _("Member code"), _("Full name"), _("Post"), _("Present"), _("Signature")]
    rows = [[number, row.member.code, row.member.full_name, row.member.post,
             _("Present") if row.present else _("Absent"), ""]
            for number, row in enumerate(summoned(meeting), start=1)]
    return xlsx(exports.attendance_workbook(_("Attendance")[:31], heading, columns, rows),
                f"diem-danh-{meeting.id}.xlsx")


#: example lines of the import templates, in the shape the importer reads (demo_data/)
TEMPLATE_EXAMPLES = {
    "organizations": [["TU", "Tỉnh ủy Sơn Hà", "", "tỉnh"], ["SL", "Đảng ủy xã Sơn Lâm", "TU", "cơ sở"],
                      ["SL-01", "Chi bộ thôn Đông Hưng", "SL", "chi bộ"]],
    "members": [["DV00001", "Vũ Phương Nhung", "Nữ", "06/01/1962", "SL-01", "Bí thư chi bộ", "x", "chính thức"],
                ["DV00002", "Nguyễn Hữu Dũng", "Nam", "15/09/1980", "SL-01", "", "", "dự bị"]],
}
#: the seeded levels name the columns the same way any installation's table does (only the
#: level column's reader differs)
TEMPLATE_COLUMNS = {"organizations": organization_columns(SEED_LEVELS), "members": MEMBER_COLUMNS}
TEMPLATE_FILES = {"organizations": "mau-to-chuc.xlsx", "members": "mau-dang-vien.xlsx"}


@bp.get("/import/template-<any(organizations, members):kind>.xlsx")
@login_required
@require("can_import")
def download_import_template(kind: str):
    """The headers the importer reads, with example lines: fill it in and import it back."""
    if kind not in TEMPLATE_COLUMNS:
        abort(404)
    headers = [column.header for column in TEMPLATE_COLUMNS[kind]]
    return xlsx(exports.template_workbook(kind, headers, TEMPLATE_EXAMPLES[kind]), TEMPLATE_FILES[kind])
