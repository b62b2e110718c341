"""A cycle's ratings as a table (XLSX or CSV) and back, and the facts of the summary report.

One line per rated subject: self-assessment, votes, proposal, decision and who decided. The
import reads the same columns and restores self-assessments and proposals, the whole file or
nothing, with every bad line named. Decisions are exported, never imported: a decision is the
competent level's own act, taken on its page with its name on it.
"""

from __future__ import annotations

import csv
import io

from ..catalog import N_, Pair
from ..documents.exports import dd_mm_yyyy_hh_mm
from ..documents.importer import LineError, line_error
from ..documents.tables import UnreadableFile, header_key, is_blank, read_table
from ..domain import clock
from ..domain import grading as rules
from ..extensions import db
from ..models import BallotSession, Organization, ReviewCycle
from . import activity, grading, grading_progress, permissions
from .errors import ServiceError

MIMETYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "csv": "text/csv; charset=utf-8"}
YES, NO = "có", "không"
#: (field, header as printed); the import matches headers the way tables.header_key reads them
COLUMNS = [
    ("key", "Mã đối tượng"), ("name", "Họ tên / tổ chức"), ("role", "Vai trò"), ("unit", "Đơn vị"),
    ("form_type", "Mẫu"), ("text", "Tự kiểm điểm"), ("self_score", "Điểm tự chấm"),
    *[(f"c:{c}", f"ĐK {c}") for c in rules.CONDITIONS],
    ("self_level", "Tự xếp loại"),
    *[(f"v:{level}", f"Phiếu {level}") for level in rules.LEVELS],
    ("base", "Cơ sở tính"), ("source", "Nguồn đề xuất"), ("session", "Phiên bỏ phiếu"), ("evidence", "Bằng chứng"),
    ("proposed", "Đề xuất"), ("decided", "Quyết định"), ("decided_by", "Người quyết định"),
    ("decided_at", "Ngày quyết định"), ("reason", "Lý do"),
]
HEADERS = [header for _, header in COLUMNS]


def subjects_under(cycle: ReviewCycle, unit: Organization):
    return [s for org in unit.subtree() for s in grading.subjects_of(cycle, org)]


def row_of(subject) -> dict:
    a, p, d = subject.self_assessment, subject.proposal, subject.current_decision
    conditions = (a.conditions or {}) if a else {}
    row = {"key": subject.key, "name": subject.name, "role": subject.role,
           "unit": subject.organization.code, "form_type": a.form_type if a else "", "text": a.text if a else "",
           "self_score": (a.self_score or "") if a else "", "self_level": (a.self_level or "") if a else "",
           "base": p.base if p else "", "source": p.source if p else "", "session": (p.session_id or "") if p else "",
           "evidence": (p.evidence or "") if p else "", "proposed": (p.level or "") if p else "",
           "decided": d.level if d else "", "decided_by": d.decided_by if d else "",
           "decided_at": dd_mm_yyyy_hh_mm(d.decided_at) if d else "", "reason": d.reason if d else ""}
    for condition in rules.CONDITIONS:
        row[f"c:{condition}"] = "" if condition not in conditions else (YES if conditions[condition] else NO)
    for level in rules.LEVELS:
        row[f"v:{level}"] = p.counts.get(level, 0) if p else ""
    return row


def export_rows(cycle: ReviewCycle, unit: Organization) -> list[dict]:
    return [row_of(s) for s in subjects_under(cycle, unit)]


def export_table(cycle: ReviewCycle, unit: Organization, fmt: str) -> bytes:
    rows = [[row[name] for name, _ in COLUMNS] for row in export_rows(cycle, unit)]
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(HEADERS)
        writer.writerows(rows)
        return ("\ufeff" + text.getvalue()).encode("utf-8")   # the BOM makes Excel read UTF-8
    from openpyxl import Workbook
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"Xếp loại {cycle.year}"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- import --------------------------------------------------------------------------------

def _text(cell) -> str:
    if is_blank(cell):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip()


def _parse_line(cycle, values: dict, line: int, errors: list[LineError]):
    def problem(column, text):
        errors.append(line_error(line, column, text))
    try:
        subject = grading.find_subject(cycle, values.get("key", ""))
    except ServiceError as error:
        problem("Mã đối tượng", Pair(error.message_en, error.message_vi))
        return None
    conditions = {}
    for condition in rules.CONDITIONS:
        mark = values.get(f"c:{condition}", "").casefold()
        if mark in (YES, NO):
            conditions[condition] = mark == YES
        elif mark:
            problem(f"ĐK {condition}", N_("Write '%(yes)s' or '%(no)s', or leave it empty.", yes=YES, no=NO))
    assessment = None
    if values.get("form_type"):
        assessment = grading.SelfAssessmentInput(values["form_type"], values.get("text", ""),
                                                 values.get("self_score") or None, conditions,
                                                 values.get("self_level") or None)
        try:
            grading.check_self_assessment(grading.policy_of(cycle), subject.role, assessment)
        except ServiceError as error:
            problem("Mẫu", Pair(error.message_en, error.message_vi))
    proposal = None
    if values.get("source"):
        try:
            counts = {level: int(values.get(f"v:{level}") or 0) for level in rules.LEVELS}
            base = int(values.get("base") or 0)
        except ValueError:
            problem("Cơ sở tính", N_("Votes and base are whole numbers."))
            return None
        if values["source"] not in ("ballot", "open_vote", "hall") or base <= 0 or any(v < 0 for v in counts.values()):
            problem("Nguồn đề xuất", N_("Unknown proposal source, or no base."))
        proposal = (values["source"], counts, base, values.get("session") or None, values.get("evidence") or None)
    return subject, assessment, proposal


def import_table(cycle: ReviewCycle, data: bytes, filename: str, *, by) -> dict:
    """Self-assessments and proposals of an exported table: all lines or none. Only staff who
    enter ratings import (each line is then checked against the subtree they reach)."""
    permissions.check_user(by, "can_run_meetings")
    grading._open(cycle)
    fields = {header_key(header): name for name, header in COLUMNS}
    try:
        table = read_table(data, fields.keys())
    except UnreadableFile:
        raise ServiceError("import_failed",
                           N_("The file cannot be read: save it as CSV UTF-8 or Excel (.xlsx).")) from None
    names = [fields.get(header_key(h)) for h in table.headers]
    if "key" not in names:
        raise ServiceError("import_failed", N_("The header row has no 'Mã đối tượng' column."))
    errors: list[LineError] = []
    parsed = []
    for line, cells in table.rows:
        # a line may be shorter than the header row (trailing blanks) or longer (stray cells)
        values = {name: _text(cell) for name, cell in zip(names, cells, strict=False) if name}
        result = _parse_line(cycle, values, line, errors)
        if result:
            if not grading.may_record_for(by, result[0]):
                errors.append(line_error(line, "Mã đối tượng", N_("Outside the organizations you act for.")))
            parsed.append(result)
    if errors:
        db.session.rollback()
        raise ServiceError("import_failed", extra={"lines": [e.to_dict() for e in errors]})
    for subject, assessment, proposal in parsed:
        if assessment:
            grading.save_self_assessment(subject, assessment, by=by, commit=False)
        if proposal:
            source, counts, base, session_id, evidence = proposal
            if session_id and db.session.get(BallotSession, session_id) is None:
                session_id = None
            stored = grading._store_proposal(subject, source, counts, base, session_id, by)
            stored.evidence = evidence
    activity.record(activity.actor_name(by), "import_ratings", f"cycle:{cycle.id}", filename=filename[:120],
                 lines=len(parsed))
    db.session.commit()
    return {"lines": len(parsed)}


# --- the summary report --------------------------------------------------------------------

def report_facts(cycle: ReviewCycle, unit: Organization) -> dict:
    """What the PDF summary prints: per role, counts and percentages per level, not rated,
    last year beside this year; and the quota of each grassroots organization."""
    policy = grading.policy_of(cycle)
    roles = {role: grading_progress.with_last_year(cycle, unit, role) for role in rules.ROLES}
    grassroots = [o for o in unit.subtree() if o.grassroots() is o]
    quotas = []
    for organization in grassroots:
        status = grading.quota_status(cycle, organization)
        quotas.append({"organization": organization.name, "good": status.good, "excellent": status.excellent,
                       "allowed": status.allowed, "exceptions": status.exceptions, "ok": status.ok})
    return {"cycle": {"year": cycle.year, "title": cycle.title, "policy": policy.title, "state": cycle.state},
            "unit": {"name": unit.name, "code": unit.code,
                     "parent": unit.parent.name if unit.parent else ""},
            "roles": roles, "quotas": quotas, "made_on": clock.today().isoformat()}
