"""The access matrix: every staff route (pages and API, GET and the mutating methods) against
every kind of caller, inside and outside the caller's subtree, from one table of who may.

The rules themselves live on `User` (votingapp/models/accounts.py); this table restates them
per route, so a view that forgets its check, checks the wrong ability, or validates its input
before its permission fails here. A route added without a line in EXPECTED (or in PUBLIC)
fails `test_every_route_has_a_line`.

The world: district H → commune XA → cell XA-1 (subtree A, where every target lives) and
commune XB → cell XB-1 (subtree B). Callers: an admin of the whole installation, an admin, a
chair and an auditor of XA ("in"), a chair and an auditor of XB ("out"), and a visitor.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field

import pytest

from votingapp.crypto.encoding import b64encode
from votingapp.crypto.tokens import token_hash
from votingapp.domain import ballot_forms
from votingapp.domain.grading import GOOD, MEMBER
from votingapp.extensions import db
from votingapp.models import ApiToken
from votingapp.services import accounts, ballots, grading

from ..helpers import PASSWORD, login, session_csrf_token

ADMIN_WHOLE, ADMIN_IN, CHAIR_IN, CHAIR_OUT, AUDITOR_IN, AUDITOR_OUT, VISITOR = (
    "admin-whole", "admin-in", "chair-in", "chair-out", "auditor-in", "auditor-out", "visitor")
CALLERS = (ADMIN_WHOLE, ADMIN_IN, CHAIR_IN, CHAIR_OUT, AUDITOR_IN, AUDITOR_OUT, VISITOR)

#: who may, as sets of callers (the targets all sit in subtree A)
STAFF = {ADMIN_WHOLE, ADMIN_IN, CHAIR_IN, CHAIR_OUT, AUDITOR_IN, AUDITOR_OUT}
READ_IN = {ADMIN_WHOLE, ADMIN_IN, CHAIR_IN, AUDITOR_IN}          # User.can_read(A), can_read_results(A)
RUN_IN = {ADMIN_WHOLE, ADMIN_IN, CHAIR_IN}                        # User.can_run_meetings(A)
RUNNERS = {ADMIN_WHOLE, ADMIN_IN, CHAIR_IN, CHAIR_OUT}            # can_run_meetings(), role alone
AUDIT_IN = {ADMIN_WHOLE, ADMIN_IN, AUDITOR_IN}                    # can_audit(A)
AUDITORS = {ADMIN_WHOLE, ADMIN_IN, AUDITOR_IN, AUDITOR_OUT}       # can_audit(), role alone
ADMINS = {ADMIN_WHOLE, ADMIN_IN}                                  # can_administer() / (A)
WHOLE = {ADMIN_WHOLE}                                             # can_import
COMPETENT = {ADMIN_IN, CHAIR_IN}                                  # can_decide_for(XA): XA's own accounts
OWNER = {CHAIR_IN}                                                # one's own API token

#: an allowed call answers 2xx, a redirect other than to the login page, or a refusal of the
#: business kind (409: the state moved on, e.g. a second caller opening an open session)
ALLOWED = {200, 201, 204, 302, 303, 409}


@dataclass
class Call:
    method: str
    url: str
    data: dict | None = None
    json: dict | None = None
    files: dict = field(default_factory=dict)
    #: statuses that also count as allowed on this route (a file or bundle refused as such)
    business: tuple = ()

    @property
    def is_api(self) -> bool:
        return self.url.startswith("/api/")


_unique = itertools.count(1)


def page(method, url, **data):
    return Call(method, url, data=data)


def api(method, url, body=None, **kw):
    return Call(method, url, json=body, **kw)


def upload(method, url, content=b"not,a,table\n", name="file.csv", business=(422,), **data):
    """A multipart POST of a file the importer refuses as such (422), past every permission check."""
    return Call(method, url, data=data, files={"file": (io.BytesIO(content), name)}, business=business)


def fresh_draft(w):
    return ballots.create_session(w.meeting_a, kind=ballot_forms.MOTION, title="Nháp", by="test",
                                  subjects=[{"key": ballot_forms.MOTION_SUBJECT, "name": "Thông qua nghị quyết"}])


def decided(w):
    """The subject with a decision in place, for a cancel to act on."""
    subject = grading.find_subject(w.cycle, w.subject_key)
    if subject.current_decision is None:
        grading.decide(subject, level=GOOD, reason="Theo đề xuất", by=w.users[CHAIR_IN])
    return w.subject_key


def own_token(w, caller):
    token = db.session.query(ApiToken).filter_by(user_id=w.users[CHAIR_IN].id, revoked_at=None).first()
    if token is None:
        token, _ = accounts.create_api_token(w.users[CHAIR_IN], "kịch bản", by="test")
    return token.id


def kiosk_hash(w):
    return token_hash(ballots.kiosk_token(w.open, by="test"))


MEMBERS_CSV = "Mã đảng viên,Họ và tên\n".encode()

# (rule, method) → (who may, the call). Keys are URL rules, so a route reached by two rules
# (minutes.pdf and minutes.docx) has a line for each.
EXPECTED = {
    # --- chair pages: dashboard, organizations, members, imports -------------------------
    ("/chair/", "GET"): (STAFF, lambda w, c: page("GET", "/chair/")),
    ("/chair/organizations/<int:organization_id>", "GET"):
        (READ_IN, lambda w, c: page("GET", f"/chair/organizations/{w.cell_a.id}")),
    ("/chair/organizations/new", "GET"): (ADMINS, lambda w, c: page("GET", "/chair/organizations/new")),
    ("/chair/organizations/new", "POST"):
        (ADMINS, lambda w, c: page("POST", "/chair/organizations/new", code=f"N-{next(_unique)}", name="Tổ mới",
                                   level="chi-bo", parent=w.cell_a.id)),
    ("/chair/members/<int:member_id>/status", "POST"):
        (RUN_IN, lambda w, c: page("POST", f"/chair/members/{w.member_a.id}/status", status="official")),
    ("/chair/import", "GET"): (WHOLE, lambda w, c: page("GET", "/chair/import")),
    ("/chair/import", "POST"): (WHOLE, lambda w, c: upload("POST", "/chair/import", MEMBERS_CSV, kind="members")),
    ("/chair/import/template-<any(organizations, members):kind>.xlsx", "GET"):
        (WHOLE, lambda w, c: page("GET", "/chair/import/template-members.xlsx")),
    # --- chair pages: meetings and attendance ----------------------------------------------
    ("/chair/meetings/new", "GET"): (RUNNERS, lambda w, c: page("GET", "/chair/meetings/new")),
    ("/chair/meetings/new", "POST"):
        (RUN_IN, lambda w, c: page("POST", "/chair/meetings/new", organization=w.cell_a.id, title="Hội nghị mới",
                                   held_on="2026-12-20")),
    ("/chair/meetings/<int:meeting_id>", "GET"): (READ_IN,
        lambda w, c: page("GET", f"/chair/meetings/{w.meeting_a.id}")),
    ("/chair/meetings/<int:meeting_id>/details", "GET"):
        (RUN_IN, lambda w, c: page("GET", f"/chair/meetings/{w.meeting_a.id}/details")),
    ("/chair/meetings/<int:meeting_id>/details", "POST"):
        (RUN_IN, lambda w, c: page("POST", f"/chair/meetings/{w.meeting_a.id}/details", place="Hội trường")),
    ("/chair/meetings/<int:meeting_id>/attendance", "POST"):
        (RUN_IN, lambda w, c: page("POST", f"/chair/meetings/{w.meeting_a.id}/attendance", present="1")),
    ("/chair/meetings/<int:meeting_id>/attendance/<int:member_id>", "POST"):
        (RUN_IN, lambda w, c: page("POST", f"/chair/meetings/{w.meeting_a.id}/attendance/{w.member_a.id}",
                                   present="1")),
    ("/chair/meetings/<int:meeting_id>/attendance/undo", "POST"):
        (RUN_IN, lambda w, c: page("POST", f"/chair/meetings/{w.meeting_a.id}/attendance/undo")),
    ("/chair/meetings/<int:meeting_id>/attendance.xlsx", "GET"):
        (READ_IN, lambda w, c: page("GET", f"/chair/meetings/{w.meeting_a.id}/attendance.xlsx")),
    # --- chair pages: ballot sessions ------------------------------------------------------
    ("/chair/meetings/<int:meeting_id>/sessions/new", "GET"):
        (RUN_IN, lambda w, c: page("GET", f"/chair/meetings/{w.meeting_a.id}/sessions/new")),
    ("/chair/meetings/<int:meeting_id>/sessions", "POST"):
        (RUN_IN, lambda w, c: page("POST", f"/chair/meetings/{w.meeting_a.id}/sessions", kind="motion",
                                   title="Biểu quyết", motion="Thông qua")),
    ("/chair/sessions/<session_id>", "GET"): (RUN_IN, lambda w, c: page("GET", f"/chair/sessions/{w.draft.id}")),
    ("/chair/sessions/<session_id>/edit", "POST"):
        (RUN_IN, lambda w, c: page("POST", f"/chair/sessions/{w.draft.id}/edit", title="Đổi tên",
                                   member_id=[s.member_id for s in w.draft.subjects], electorate=w.draft.electorate)),
    ("/chair/sessions/<session_id>/delete", "POST"):
        (RUN_IN, lambda w, c: page("POST", f"/chair/sessions/{fresh_draft(w).id}/delete", confirm="1")),
    ("/chair/sessions/<session_id>/<any(open, close, tally):step>", "POST"):
        (RUN_IN, lambda w, c: page("POST", f"/chair/sessions/{w.draft.id}/open")),
    ("/chair/sessions/<session_id>/open/committee", "POST"):
        (RUN_IN, lambda w, c: page("POST", f"/chair/sessions/{fresh_draft(w).id}/open/committee", threshold="2",
                                   holders="3", names="An\nBình\nChi")),
    ("/chair/sessions/<session_id>/progress", "GET"):
        (RUN_IN, lambda w, c: page("GET", f"/chair/sessions/{w.open.id}/progress")),
    ("/chair/sessions/<session_id>/decryption", "GET"):
        (RUN_IN, lambda w, c: page("GET", f"/chair/sessions/{w.open.id}/decryption")),
    ("/chair/sessions/<session_id>/cards", "POST"):
        (RUN_IN, lambda w, c: page("POST", f"/chair/sessions/{w.open.id}/cards", count="1")),
    ("/chair/sessions/<session_id>/kiosk", "GET"): (RUN_IN,
        lambda w, c: page("GET", f"/chair/sessions/{w.open.id}/kiosk")),
    ("/chair/sessions/<session_id>/kiosk/next", "POST"):
        (RUN_IN, lambda w, c: page("POST", f"/chair/sessions/{w.open.id}/kiosk/next")),
    ("/chair/sessions/<session_id>/kiosk/check", "POST"):
        (RUN_IN, lambda w, c: page("POST", f"/chair/sessions/{w.open.id}/kiosk/check", token_hash=kiosk_hash(w))),
    ("/chair/sessions/<session_id>/screen", "GET"):
        (RUN_IN, lambda w, c: page("GET", f"/chair/sessions/{w.open.id}/screen")),
    ("/chair/sessions/<session_id>/results", "GET"):
        (READ_IN, lambda w, c: page("GET", f"/chair/sessions/{w.tallied.id}/results")),
    ("/chair/sessions/<session_id>/results.xlsx", "GET"):
        (READ_IN, lambda w, c: page("GET", f"/chair/sessions/{w.tallied.id}/results.xlsx")),
    ("/chair/sessions/<session_id>/minutes.pdf", "GET"):
        (READ_IN, lambda w, c: page("GET", f"/chair/sessions/{w.tallied.id}/minutes.pdf")),
    ("/chair/sessions/<session_id>/minutes.docx", "GET"):
        (READ_IN, lambda w, c: page("GET", f"/chair/sessions/{w.tallied.id}/minutes.docx")),
    # --- staff accounts ----------------------------------------------------------------------
    ("/chair/users", "GET"): (ADMINS, lambda w, c: page("GET", "/chair/users")),
    ("/chair/users", "POST"):
        (ADMINS, lambda w, c: page("POST", "/chair/users", username=f"moi-{next(_unique)}", password=PASSWORD,
                                   role="chair", organization=w.cell_a.id)),
    ("/chair/users/<int:user_id>/password", "POST"):
        (ADMINS, lambda w, c: page("POST", f"/chair/users/{w.target.id}/password", password=PASSWORD + "!")),
    ("/chair/users/<int:user_id>/active", "POST"):
        (ADMINS, lambda w, c: page("POST", f"/chair/users/{w.target.id}/active", active="1")),
    ("/chair/users/<int:user_id>/role", "POST"):
        (ADMINS, lambda w, c: page("POST", f"/chair/users/{w.target.id}/role", role="auditor")),
    ("/account/tokens", "GET"): (STAFF, lambda w, c: page("GET", "/account/tokens")),
    ("/account/tokens", "POST"): (STAFF, lambda w, c: page("POST", "/account/tokens", name="Kịch bản")),
    ("/account/tokens/<int:token_id>/revoke", "POST"):
        (OWNER, lambda w, c: page("POST", f"/account/tokens/{own_token(w, c)}/revoke")),
    ("/logout", "POST"): (STAFF, lambda w, c: page("POST", "/logout")),
    # --- the auditor's pages -----------------------------------------------------------------
    ("/audit/", "GET"): (AUDITORS, lambda w, c: page("GET", "/audit/")),
    ("/audit/sessions/<session_id>", "GET"): (AUDIT_IN, lambda w, c: page("GET", f"/audit/sessions/{w.tallied.id}")),
    ("/audit/sessions/<session_id>/auditor-bundle", "POST"):
        (AUDIT_IN, lambda w, c: page("POST", f"/audit/sessions/{w.tallied.id}/auditor-bundle")),
    ("/audit/sessions/<session_id>/verify", "POST"):
        (AUDIT_IN, lambda w, c: page("POST", f"/audit/sessions/{w.tallied.id}/verify")),
    # --- the yearly rating's pages -------------------------------------------------------------
    ("/grading/", "GET"): (STAFF, lambda w, c: page("GET", "/grading/")),
    ("/grading/cycles", "POST"):
        (ADMINS, lambda w, c: page("POST", "/grading/cycles", organization=w.cell_a.id,
                                 year=str(2030 + next(_unique)))),
    ("/grading/cycles/<int:cycle_id>", "GET"): (READ_IN, lambda w, c: page("GET", f"/grading/cycles/{w.cycle.id}")),
    ("/grading/cycles/<int:cycle_id>/close", "POST"):
        (ADMINS, lambda w, c: page("POST", f"/grading/cycles/{w.cycle.id}/close")),
    ("/grading/cycles/<int:cycle_id>/export.<any(xlsx, csv):fmt>", "GET"):
        (READ_IN, lambda w, c: page("GET", f"/grading/cycles/{w.cycle.id}/export.csv")),
    ("/grading/cycles/<int:cycle_id>/report.pdf", "GET"):
        (READ_IN, lambda w, c: page("GET", f"/grading/cycles/{w.cycle.id}/report.pdf")),
    ("/grading/cycles/<int:cycle_id>/import", "POST"):
        (RUN_IN, lambda w, c: upload("POST", f"/grading/cycles/{w.cycle.id}/import")),
    ("/grading/cycles/<int:cycle_id>/units/<int:organization_id>", "GET"):
        (READ_IN, lambda w, c: page("GET", f"/grading/cycles/{w.cycle.id}/units/{w.cell_a.id}")),
    ("/grading/cycles/<int:cycle_id>/units/<int:organization_id>/chart.svg", "GET"):
        (READ_IN, lambda w, c: page("GET", f"/grading/cycles/{w.cycle.id}/units/{w.cell_a.id}/chart.svg")),
    ("/grading/cycles/<int:cycle_id>/units/<int:organization_id>/approve", "POST"):
        (RUN_IN, lambda w, c: page("POST", f"/grading/cycles/{w.cycle.id}/units/{w.cell_a.id}/approve")),
    ("/grading/cycles/<int:cycle_id>/units/<int:organization_id>/rating-session", "POST"):
        (RUN_IN, lambda w, c: page("POST", f"/grading/cycles/{w.cycle.id}/units/{w.cell_a.id}/rating-session",
                                   meeting=w.meeting_a.id, role=MEMBER)),
    ("/grading/cycles/<int:cycle_id>/sessions/<session_id>/propose", "POST"):
        (RUN_IN, lambda w, c: page("POST", f"/grading/cycles/{w.cycle.id}/sessions/{w.rating.id}/propose")),
    ("/grading/cycles/<int:cycle_id>/subjects/<key>", "GET"):
        (READ_IN, lambda w, c: page("GET", f"/grading/cycles/{w.cycle.id}/subjects/{w.subject_key}")),
    ("/grading/cycles/<int:cycle_id>/subjects/<key>/self-assessment", "POST"):
        (RUN_IN, lambda w, c: page("POST", f"/grading/cycles/{w.cycle.id}/subjects/{w.subject_key}/self-assessment",
                                   form_type="2A", text="Tự kiểm điểm", self_score="90", self_level=GOOD)),
    ("/grading/cycles/<int:cycle_id>/subjects/<key>/open-vote", "POST"):
        (RUN_IN, lambda w, c: page("POST", f"/grading/cycles/{w.cycle.id}/subjects/{w.subject_key}/open-vote",
                                   **{f"votes_{GOOD}": "3", "base": "4"})),
    ("/grading/cycles/<int:cycle_id>/subjects/<key>/decide", "POST"):
        (COMPETENT, lambda w, c: page("POST", f"/grading/cycles/{w.cycle.id}/subjects/{w.subject_key}/decide",
                                      level=GOOD, reason="Ý kiến cấp ủy")),
    ("/grading/cycles/<int:cycle_id>/subjects/<key>/cancel", "POST"):
        (COMPETENT, lambda w, c: page("POST", f"/grading/cycles/{w.cycle.id}/subjects/{decided(w)}/cancel",
                                      reason="Xếp lại")),
    # --- the staff API: organizations, members, imports ------------------------------------
    ("/api/v1/organizations", "GET"): (STAFF, lambda w, c: api("GET", "/api/v1/organizations")),
    ("/api/v1/organization-levels", "GET"): (STAFF, lambda w, c: api("GET", "/api/v1/organization-levels")),
    ("/api/v1/organizations", "POST"):
        (ADMINS, lambda w, c: api("POST", "/api/v1/organizations", {"code": f"N-{next(_unique)}", "name": "Tổ mới",
                                                                    "level": "chi-bo", "parent": "XA-1"})),
    ("/api/v1/organizations/<code>/members", "GET"):
        (READ_IN, lambda w, c: api("GET", "/api/v1/organizations/XA-1/members")),
    ("/api/v1/organizations/import", "POST"):
        (WHOLE, lambda w, c: upload("POST", "/api/v1/organizations/import")),
    ("/api/v1/members/import", "POST"): (WHOLE, lambda w, c: upload("POST", "/api/v1/members/import", MEMBERS_CSV)),
    ("/api/v1/members/<member_code>/status", "POST"):
        (RUN_IN, lambda w, c: api("POST", f"/api/v1/members/{w.member_a.code}/status", {"status": "official"})),
    # --- the staff API: meetings and sessions ---------------------------------------------------
    ("/api/v1/meetings", "GET"): (STAFF, lambda w, c: api("GET", "/api/v1/meetings")),
    ("/api/v1/meetings", "POST"):
        (RUN_IN, lambda w, c: api("POST", "/api/v1/meetings", {"organization": "XA-1", "title": "Hội nghị mới",
                                                              "held_on": "2026-12-20"})),
    ("/api/v1/meetings/<int:meeting_id>", "GET"): (READ_IN,
        lambda w, c: api("GET", f"/api/v1/meetings/{w.meeting_a.id}")),
    ("/api/v1/meetings/<int:meeting_id>", "PATCH"):
        (RUN_IN, lambda w, c: api("PATCH", f"/api/v1/meetings/{w.meeting_a.id}", {"place": "Hội trường"})),
    ("/api/v1/meetings/<int:meeting_id>/attendance", "POST"):
        (RUN_IN, lambda w, c: api("POST", f"/api/v1/meetings/{w.meeting_a.id}/attendance",
                                  {"present": [w.member_a.code]})),
    ("/api/v1/meetings/<int:meeting_id>/sessions", "POST"):
        (RUN_IN, lambda w, c: api("POST", f"/api/v1/meetings/{w.meeting_a.id}/sessions",
                                  {"kind": "motion", "title": "Biểu quyết", "motion": "Thông qua"})),
    ("/api/v1/sessions/<session_id>", "GET"): (RUN_IN, lambda w, c: api("GET", f"/api/v1/sessions/{w.draft.id}")),
    ("/api/v1/sessions/<session_id>", "DELETE"):
        (RUN_IN, lambda w, c: api("DELETE", f"/api/v1/sessions/{fresh_draft(w).id}")),
    ("/api/v1/sessions/<session_id>/edit", "POST"):
        (RUN_IN, lambda w, c: api("POST", f"/api/v1/sessions/{w.draft.id}/edit", {"title": "Đổi tên"})),
    ("/api/v1/sessions/<session_id>/open", "POST"): (RUN_IN,
        lambda w, c: api("POST", f"/api/v1/sessions/{w.draft.id}/open")),
    ("/api/v1/sessions/<session_id>/tokens", "POST"):
        (RUN_IN, lambda w, c: api("POST", f"/api/v1/sessions/{w.open.id}/tokens", {"count": 1})),
    ("/api/v1/sessions/<session_id>/progress", "GET"):
        (RUN_IN, lambda w, c: api("GET", f"/api/v1/sessions/{w.open.id}/progress")),
    ("/api/v1/sessions/<session_id>/close", "POST"): (RUN_IN,
        lambda w, c: api("POST", f"/api/v1/sessions/{w.open.id}/close")),
    ("/api/v1/sessions/<session_id>/tally", "POST"):
        (RUN_IN, lambda w, c: api("POST", f"/api/v1/sessions/{w.closed.id}/tally")),
    ("/api/v1/sessions/<session_id>/results", "GET"):
        (READ_IN, lambda w, c: api("GET", f"/api/v1/sessions/{w.tallied.id}/results")),
    # --- the staff API: the yearly rating ----------------------------------------------------
    ("/api/v1/cycles", "POST"):
        (ADMINS, lambda w, c: api("POST", "/api/v1/cycles", {"organization": "XA-1", "year": 2030 + next(_unique)})),
    ("/api/v1/cycles/<int:cycle_id>", "GET"): (READ_IN, lambda w, c: api("GET", f"/api/v1/cycles/{w.cycle.id}")),
    ("/api/v1/cycles/<int:cycle_id>/subjects/<key>", "GET"):
        (READ_IN, lambda w, c: api("GET", f"/api/v1/cycles/{w.cycle.id}/subjects/{w.subject_key}")),
    ("/api/v1/cycles/<int:cycle_id>/export", "GET"):
        (READ_IN, lambda w, c: api("GET", f"/api/v1/cycles/{w.cycle.id}/export?format=csv")),
    ("/api/v1/cycles/<int:cycle_id>/self-assessments/import", "POST"):
        (RUN_IN, lambda w, c: upload("POST", f"/api/v1/cycles/{w.cycle.id}/self-assessments/import")),
    ("/api/v1/cycles/<int:cycle_id>/open-votes", "POST"):
        (RUN_IN, lambda w, c: api("POST", f"/api/v1/cycles/{w.cycle.id}/open-votes",
                                  {"subject": w.subject_key, "counts": {GOOD: 3}, "base": 4})),
    ("/api/v1/cycles/<int:cycle_id>/sessions/<session_id>/proposals", "POST"):
        (RUN_IN, lambda w, c: api("POST", f"/api/v1/cycles/{w.cycle.id}/sessions/{w.rating.id}/proposals")),
    ("/api/v1/cycles/<int:cycle_id>/decisions", "POST"):
        (COMPETENT, lambda w, c: api("POST", f"/api/v1/cycles/{w.cycle.id}/decisions",
                                     {"subject": w.subject_key, "level": GOOD, "reason": "Ý kiến cấp ủy"})),
    ("/api/v1/cycles/<int:cycle_id>/decisions/cancel", "POST"):
        (COMPETENT, lambda w, c: api("POST", f"/api/v1/cycles/{w.cycle.id}/decisions/cancel",
                                     {"subject": decided(w), "reason": "Xếp lại"})),
    ("/api/v1/hall-keys", "POST"):
        (ADMINS, lambda w, c: api("POST", "/api/v1/hall-keys", {"name": f"Hội trường {next(_unique)}",
                                                               "public_key": b64encode(bytes(32))})),
    ("/api/v1/cycles/<int:cycle_id>/hall-bundles", "POST"):
        (RUN_IN, lambda w, c: api("POST", f"/api/v1/cycles/{w.cycle.id}/hall-bundles",
                                  {"hall": "Hội trường xã", "bundle": {}}, business=(422,))),
}

#: routes with no staff login, each for a stated reason; they are outside the matrix
PUBLIC = {
    ("/", "GET"): "the voter's start page",
    ("/v", "GET"): "the voter's ballot page: a ballot code, not an account, opens it",
    ("/favicon.ico", "GET"): "an icon",
    ("/healthz", "GET"): "a load balancer's liveness probe: says nothing, touches no data",
    ("/static/<path:filename>", "GET"): "static files",
    ("/login", "GET"): "the login form itself",
    ("/login", "POST"): "the login form itself",
    ("/api/v1/ballot/cast", "POST"): "voters cast with a one-time code, never with an account",
    ("/api/v1/ballot/lookup", "POST"): "voters look their code up, never with an account",
    ("/api/v1/ballot/spoil", "POST"): "voters check a ballot with a one-time code, never with an account",
    ("/api/v1/openapi.json", "GET"): "the API's description is public (docs/api.md)",
    ("/api/v1/sessions/<session_id>/board", "GET"): "the published board is public (docs/api.md, Public documents)",
    ("/api/v1/sessions/<session_id>/bundle", "GET"): "the public bundle is public (docs/api.md, Public documents)",
    ("/board/<session_id>", "GET"): "the published board's page, for voters and observers",
    ("/receipt", "GET"): "the voter's receipt check",
    ("/receipt", "POST"): "the voter's receipt check",
    ("/member/<session_id>", "GET"): "a counting-committee member's page: the share card, not an account, opens it",
    ("/api/v1/sessions/<session_id>/decryption", "GET"):
        "members' phones fetch the sums to decrypt; they are public (anyone recomputes them from the board)",
    ("/api/v1/sessions/<session_id>/partials", "POST"):
        "members' phones send partial decryptions; the proofs against the published keys are the credential",
}

#: what an auditor reads in the pages and the same thing in the API: the table must allow both alike
SAME_FOR_AUDITORS = [
    (("/chair/sessions/<session_id>/results", "GET"), ("/api/v1/sessions/<session_id>/results", "GET")),
    (("/chair/meetings/<int:meeting_id>", "GET"), ("/api/v1/meetings/<int:meeting_id>", "GET")),
    (("/chair/organizations/<int:organization_id>", "GET"), ("/api/v1/organizations/<code>/members", "GET")),
    (("/chair/", "GET"), ("/api/v1/meetings", "GET")),
    (("/grading/cycles/<int:cycle_id>", "GET"), ("/api/v1/cycles/<int:cycle_id>", "GET")),
    (("/grading/cycles/<int:cycle_id>/subjects/<key>", "GET"), ("/api/v1/cycles/<int:cycle_id>/subjects/<key>", "GET")),
    (("/grading/cycles/<int:cycle_id>/export.<any(xlsx, csv):fmt>", "GET"),
     ("/api/v1/cycles/<int:cycle_id>/export", "GET")),
    (("/chair/sessions/<session_id>", "GET"), ("/api/v1/sessions/<session_id>", "GET")),
    (("/chair/sessions/<session_id>/progress", "GET"), ("/api/v1/sessions/<session_id>/progress", "GET")),
]


def routes(app) -> set[tuple[str, str]]:
    return {(rule.rule, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_has_a_line(app):
    """A new route needs a line here (or a stated reason in PUBLIC); a removed one loses its line."""
    known = set(EXPECTED) | set(PUBLIC)
    assert not set(EXPECTED) & set(PUBLIC)
    assert sorted(routes(app) - known) == [], "routes with no line in the access matrix"
    assert sorted(known - routes(app)) == [], "lines for routes that no longer exist"


def test_auditors_see_the_same_in_the_pages_as_in_the_api():
    for page_route, api_route in SAME_FOR_AUDITORS:
        page_auditors = EXPECTED[page_route][0] & {AUDITOR_IN, AUDITOR_OUT}
        api_auditors = EXPECTED[api_route][0] & {AUDITOR_IN, AUDITOR_OUT}
        assert page_auditors == api_auditors, (page_route, api_route)


# --- the world ---------------------------------------------------------------------------------

class World:
    """Two subtrees under one district; every target of the matrix lies in subtree A."""

    def __init__(self, make):
        district = make.organization(code="H", name="Huyện ủy Thử", level="huyen")
        commune_a = make.organization(code="XA", name="Đảng ủy xã A", level="co-so", parent=district)
        self.cell_a = make.organization(code="XA-1", name="Chi bộ A", parent=commune_a)
        commune_b = make.organization(code="XB", name="Đảng ủy xã B", level="co-so", parent=district)
        cell_b = make.organization(code="XB-1", name="Chi bộ B", parent=commune_b)
        self.meeting_a = make.meeting(members=4, organization=self.cell_a)
        self.member_a = self.meeting_a.attendance[0].member
        scopes = {ADMIN_WHOLE: ("admin", None), ADMIN_IN: ("admin", commune_a), CHAIR_IN: ("chair", commune_a),
                  CHAIR_OUT: ("chair", commune_b), AUDITOR_IN: ("auditor", commune_a),
                  AUDITOR_OUT: ("auditor", commune_b)}
        self.users = {caller: make.user(role=role, organization=scope, username=caller)[0]
                      for caller, (role, scope) in scopes.items()}
        self.target, _ = make.user(role="chair", organization=self.cell_a, username="target")

        self.draft = make.session(meeting=self.meeting_a)
        self.open = make.session(meeting=self.meeting_a)
        ballots.open_session(self.open, by="test")
        self.closed = make.session(meeting=self.meeting_a)
        ballots.open_session(self.closed, by="test")
        ballots.close_session(self.closed, by="test")
        self.tallied = make.tallied_session([], session=make.session(meeting=self.meeting_a))
        # subtree B has its meeting and sessions too, which no caller of A may see
        meeting_b = make.meeting(members=3, organization=cell_b)
        make.tallied_session([], session=make.session(meeting=meeting_b))

        self.cycle = grading.create_cycle(commune_a, 2026, by=self.users[ADMIN_WHOLE])
        members = [s for s in grading.subjects_of(self.cycle, self.cell_a) if s.role == MEMBER]
        self.subject_key = grading.subject_for(self.cycle, MEMBER, member=self.member_a).key
        self.rating = make.tallied_session([], session=grading.create_rating_session(
            self.cycle, self.meeting_a, members, by=self.users[CHAIR_IN]))
        grading.pin_hall_key("Hội trường xã", b64encode(bytes(range(32))), by=self.users[ADMIN_WHOLE])


def outcome(response) -> str:
    """denied (403/404), login (401, or the login page asking where to go next) or the status.
    (A logout's own redirect to the login page names no next page.)"""
    location = response.headers.get("Location", "")
    if response.status_code == 401 or (response.status_code in (302, 303) and "/login?next=" in location):
        return "login"
    if response.status_code in (403, 404):
        return "denied"
    return str(response.status_code)


def run(app, caller, call: Call):
    """One caller's request, as a server would answer it: in an app context of its own (the
    test's context would otherwise share the logged-in user and the CSRF token through `g`)."""
    db.session.commit()  # the world's reads end their transaction: the request writes alone
    with app.app_context():
        return _request(app, caller, call)


def _request(app, caller, call: Call):
    client = app.test_client()
    if caller != VISITOR:
        login(client, caller, PASSWORD)
    headers = {}
    data = dict(call.data or {})
    if call.method != "GET":
        token = session_csrf_token(client)
        if call.is_api:
            headers["X-CSRFToken"] = token
        else:
            data["csrf_token"] = token
    if call.files:
        data.update(call.files)
    return client.open(call.url, method=call.method, headers=headers, json=call.json,
                       data=data if (data or call.json is None) else None,
                       content_type="multipart/form-data" if call.files else None)


@pytest.mark.parametrize("route", sorted(EXPECTED), ids=lambda route: f"{route[1]} {route[0]}")
def test_access_matrix(app, make, route):
    """Each caller once, against a world of its own route: the outcome the table expects."""
    world = World(make)
    allowed, make_call = EXPECTED[route]
    seen, wanted = {}, {}
    # the refused first, so an allowed caller's change (a session opened) cannot change their answer
    for caller in sorted(CALLERS, key=lambda c: c in allowed):
        call = make_call(world, caller)
        response = run(app, caller, call)
        status = response.status_code
        got = outcome(response)
        if caller in allowed:
            ok = status in ALLOWED or status in call.business
            if status in (302, 303) and got == "login":
                ok = False
            seen[caller] = "allowed" if ok else f"{got} ({status})"
            wanted[caller] = "allowed"
        else:
            seen[caller] = got if got in ("login", "denied") else f"{got} ({status})"
            wanted[caller] = "login" if caller == VISITOR else "denied"
        db.session.rollback()
    assert seen == wanted


def test_lists_show_only_the_callers_subtree_alike_in_pages_and_api(app, make):
    """The lists every caller may open (dashboard, meetings, cycles) hold subtree A's objects
    for the callers of A and never for those of B, in the pages and in the API alike."""
    world = World(make)
    title_a = world.meeting_a.title = "Hội nghị của chi bộ A"
    db.session.commit()
    for caller in STAFF:
        inside = caller in READ_IN
        dashboard = run(app, caller, page("GET", "/chair/")).get_data(as_text=True)
        listed = run(app, caller, api("GET", "/api/v1/meetings")).get_json()["meetings"]
        cycles = run(app, caller, page("GET", "/grading/")).get_data(as_text=True)
        assert (title_a in dashboard) == inside, caller
        assert (world.meeting_a.id in [m["id"] for m in listed]) == inside, caller
        assert (f"/grading/cycles/{world.cycle.id}\"" in cycles) == inside, caller
        db.session.rollback()
