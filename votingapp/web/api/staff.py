"""Staff endpoints: what the chair does, for scripts and the chair's own pages.

A caller authenticates with HTTP Basic, or with the logged-in cookie session plus the page's
CSRF token in an `X-CSRFToken` header on every unsafe call. `staff_api` does both, and the
role check, in one place. Each view parses and validates its input, calls one service and
returns JSON; refusals are ServiceErrors, rendered as `{"error": {...}}` by the app.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date
from functools import wraps

from flask import abort, current_app, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from sqlalchemy import select
from wtforms import ValidationError

from ...crypto.encoding import b64encode
from ...crypto.tokens import format_token
from ...domain import electorate as rules
from ...domain.forms import KINDS, MOTION, OPTIONS, PERSON_KINDS, RATING
from ...extensions import csrf, db
from ...models import Member, Organization
from ...models.ballots import KeyCustody
from ...services import accounts, attendance, ballots, directory, imports, levels, meetings, tallying
from ...services.errors import ServiceError
from ..common import (get_meeting_or_404, get_member_or_404, get_organization_or_404, get_scope_or_403,
                      get_session_or_404, json_body)
from ..voter import ballot_url
from . import bp

#: the User abilities staff_api asks (the table is on models.accounts.User)
ACTORS = "can_run_meetings"
RESULT_READERS = "can_read_results"
#: reading the tree, meetings and cycles: every staff role, as on the pages
READERS = "can_read"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
MAX_LIST = 500
CUSTODIES = tuple(custody.value for custody in KeyCustody)
#: what a session may be created as here; a rating ballot is made from its review cycle (api/grading)
SESSION_KINDS = tuple(kind for kind in KINDS if kind != RATING)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# --- authentication -----------------------------------------------------------------------

def staff_api(ability: str = ACTORS):
    """Authenticate the caller (Basic, or cookie + CSRF header), require the User `ability`, and
    pass the user to the view as `user`. The global CSRF check is replaced by this one."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = authenticated_staff()
            if not user.may(ability):
                raise ServiceError("forbidden", f"The {user.role} role cannot do this.",
                                   f"Vai trò {user.role} không được làm việc này.")
            return view(*args, user=user, **kwargs)
        return csrf.exempt(wrapped)
    return decorator


def authenticated_staff():
    """Basic (throttled like the login form), a Bearer API token, or the login cookie."""
    credentials = request.authorization
    if credentials is not None and credentials.type == "bearer":
        user = accounts.user_of_api_token(credentials.token)
        if user is None:
            raise ServiceError("unauthorized", "This API token is not known or was revoked.",
                               "Mã API không tồn tại hoặc đã bị thu hồi.")
        return user
    if credentials is not None and credentials.type == "basic":
        user = accounts.authenticate(credentials.username or "", credentials.password or "", request.remote_addr or "-")
        if user is None:
            raise ServiceError("unauthorized", "Wrong user name or password.", "Sai tên đăng nhập hoặc mật khẩu.")
        _refuse_cross_site()
        return user
    if current_user.is_authenticated:
        if request.method not in SAFE_METHODS:
            _check_csrf_header()
        return current_user._get_current_object()
    raise ServiceError("unauthorized", "The API takes HTTP Basic credentials or the session cookie.",
                       "API nhận thông tin xác thực HTTP Basic hoặc cookie phiên đăng nhập.")


def _refuse_cross_site() -> None:
    """A browser that cached Basic credentials sends them on cross-site requests too, which
    no CSRF token guards here; browsers say where a request comes from in Sec-Fetch-Site."""
    if request.method not in SAFE_METHODS and \
            request.headers.get("Sec-Fetch-Site", "none") not in ("same-origin", "none"):
        raise ServiceError("forbidden", "Cross-site requests are refused.", "Yêu cầu từ trang khác bị từ chối.")


def _check_csrf_header() -> None:
    headers = current_app.config["WTF_CSRF_HEADERS"]
    token = next((request.headers[name] for name in headers if name in request.headers), None)
    try:
        validate_csrf(token)
    except ValidationError:
        raise ServiceError("forbidden", "Send the page's CSRF token in the X-CSRFToken header.",
                           "Hãy gửi mã CSRF của trang trong tiêu đề X-CSRFToken.") from None


@bp.after_request
def _ask_for_basic(response):
    """Tell a client that gets 401 how to authenticate (RFC 9110)."""
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Basic realm="votingapp"')
    return response


# --- reading the request ------------------------------------------------------------------

def _invalid(field: str, english: str, vietnamese: str, **extra) -> ServiceError:
    return ServiceError("invalid_input", f"'{field}' {english}", f"'{field}' {vietnamese}",
                        extra={"field": field, **extra})


def body_with(*allowed: str) -> dict:
    """The JSON object of the request, with no field outside `allowed` (a typo is an error,
    not a silently ignored field)."""
    data = json_body()
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise _invalid(unknown[0][:60], "is not a field of this request.", "không phải là trường của yêu cầu này.",
                       allowed=list(allowed))
    return data


def text_field(data: dict, name: str, *, max_length: int = 300) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > max_length:
        raise _invalid(name, f"must be a text of 1 to {max_length} characters.",
                       f"phải là chuỗi từ 1 đến {max_length} ký tự.")
    return value.strip()


def choice_field(data: dict, name: str, choices, *, default: str | None = None) -> str:
    value = data.get(name, default)
    if value not in choices:
        raise _invalid(name, f"must be one of {', '.join(choices)}.", f"phải là một trong {', '.join(choices)}.")
    return value


def codes_field(data: dict, name: str, *, required: bool = False) -> list[str]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(code, str) and code.strip() for code in value) \
            or (required and not value):
        raise _invalid(name, "must be a list of member codes.", "phải là danh sách mã đảng viên.")
    return [code.strip() for code in value]


def date_field(data: dict, name: str) -> date:
    """Only YYYY-MM-DD (Python would also take 20261205 or a week date)."""
    value = data.get(name)
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _invalid(name, "must be a date written YYYY-MM-DD.", "phải là ngày dạng YYYY-MM-DD.")


def integer_field(data: dict, name: str) -> int:
    value = data.get(name)
    if type(value) is not int:
        raise _invalid(name, "must be a whole number.", "phải là số nguyên.")
    return value


def limit_argument() -> int:
    value = request.args.get("limit", "100")
    if not value.isdecimal() or not 1 <= int(value) <= MAX_LIST:
        raise _invalid("limit", f"must be a number from 1 to {MAX_LIST}.", f"phải là số từ 1 đến {MAX_LIST}.")
    return int(value)


def organization_by_code(code, user, *, field: str | None = None) -> Organization:
    """Load-or-refuse by code: 404 in a URL, 400 naming the field in a body; 403 outside scope."""
    organization_id = db.session.scalar(select(Organization.id).where(Organization.code == code)) \
        if isinstance(code, str) else None
    if organization_id is None:
        if field is None:
            abort(404)
        raise _invalid(field, f"names no organization ({code!r}).", f"không ứng với tổ chức nào ({code!r}).")
    return get_organization_or_404(organization_id, for_user=user)


def summoned_members(meeting, codes: list[str], field: str) -> list:
    """The members of `meeting` with these codes, in the order given; 400 naming the others."""
    by_code = {row.member.code: row.member for row in meeting.attendance}
    unknown = [code for code in codes if code not in by_code]
    if unknown:
        raise _invalid(field, f"has codes of no member summoned to this meeting: {', '.join(unknown)}.",
                       f"có mã không thuộc danh sách triệu tập: {', '.join(unknown)}.", unknown=unknown)
    return [by_code[code] for code in codes]


# --- what the API returns -----------------------------------------------------------------

def organization_json(organization: Organization) -> dict:
    return {"code": organization.code, "name": organization.name, "level": organization.level,
            "parent": organization.parent.code if organization.parent else None}


def member_json(member) -> dict:
    return {"code": member.code, "full_name": member.full_name, "organization": member.organization.code,
            "post": member.post, "is_leader": member.is_leader, "status": member.status}


def meeting_summary(meeting) -> dict:
    return {"id": meeting.id, "title": meeting.title, "held_on": meeting.held_on.isoformat(),
            "organization": meeting.organization.code,
            "summoned": meeting.summoned_count, "present": meeting.present_count,
            "place": meeting.place, "chair_name": meeting.chair_name, "secretary_name": meeting.secretary_name}


def details_fields(data: dict) -> dict:
    """Place, chair and secretary of a meeting body: texts when given (the service checks lengths)."""
    for name in meetings.DETAILS:
        if name in data and not isinstance(data[name], str):
            raise _invalid(name, "must be a text.", "phải là một chuỗi ký tự.")
    return {name: data[name] for name in meetings.DETAILS if name in data}


def meeting_json(meeting) -> dict:
    quorum = attendance.summarize(meeting)
    return meeting_summary(meeting) | {
        "excluded": quorum.excluded, "base": quorum.base,
        "quorum": {"met": quorum.quorum_met, "needed": quorum.needed},
        "attendance": [{"code": row.member.code, "full_name": row.member.full_name, "member_status": row.member.status,
                        "present": row.present, "status": row.status, "reason": row.excluded_reason}
                       for row in attendance.rows(meeting)],
        "sessions": [session_summary(session) for session in meeting.sessions],
    }


def session_summary(session) -> dict:
    return {"id": session.id, "kind": session.kind, "title": session.title, "state": session.state}


def session_json(session) -> dict:
    return session_summary(session) | {
        "meeting": session.meeting_id,
        "policy": session.policy,
        "electorate": session.electorate,
        "electors": [member.code for member in session.electors],
        "scheme": session.scheme,
        "public_key": b64encode(session.public_key) if session.public_key else None,
        "plaintext_size": session.plaintext_size,
        "key_custody": session.key_custody,
        "share_threshold": session.share_threshold,
        "share_count": session.share_count,
        "subjects": [{"id": s.key, "name": s.name, "detail": s.detail} for s in session.subjects],
        "options": [{"id": o.id, "label": o.label, "label_en": o.label_en} for o in OPTIONS[session.kind]],
        "counts": ballots.progress(session),
    }


# --- organizations and members ------------------------------------------------------------

@bp.get("/organizations")
@staff_api(READERS)
def list_organizations(user):
    return jsonify({"organizations": [organization_json(o) for o in directory.reachable_organizations(user)]})


@bp.get("/organization-levels")
@staff_api(READERS)
def list_organization_levels(user):
    """The same for every caller: the levels belong to the installation, not to a subtree."""
    return jsonify({"levels": [asdict(level) for level in levels.list_levels()]})


@bp.post("/organizations")
@staff_api()
def create_organization(user):
    data = body_with("code", "name", "level", "parent")
    parent_code = data.get("parent")
    parent = get_scope_or_403(None, for_user=user) if parent_code is None \
        else organization_by_code(parent_code, user, field="parent")
    organization = meetings.create_organization(
        text_field(data, "code", max_length=40), text_field(data, "name", max_length=200),
        choice_field(data, "level", levels.level_codes(), default="chi-bo"), parent, by=user)
    return jsonify(organization_json(organization)), 201


def _uploaded_file() -> tuple[bytes, str]:
    upload = request.files.get("file")
    if upload is None:
        raise _invalid("file", "is missing: send the spreadsheet as multipart form field 'file'.",
                       "bị thiếu: hãy gửi bảng tính trong trường 'file' (multipart).")
    return upload.read(), upload.filename or ""


def _import_with(import_function, user):
    """Imports may touch any organization a file names: only an admin of the whole
    installation may run them (User.can_import; the service checks it again)."""
    if not user.can_import:
        raise ServiceError(*imports.NOT_INSTALLATION_WIDE)
    data, filename = _uploaded_file()
    report = import_function(data, filename, by=user)
    return jsonify({"created": report.created, "updated": report.updated, "total": report.total})


@bp.post("/organizations/import")
@staff_api()
def import_organizations(user):
    return _import_with(imports.import_organizations, user)


@bp.post("/members/import")
@staff_api()
def import_members(user):
    return _import_with(imports.import_members, user)


@bp.post("/members/<member_code>/status")
@staff_api()
def set_member_status(member_code, user):
    """Official or probationary: who may vote on motions."""
    member_id = db.session.scalar(select(Member.id).where(Member.code == member_code)) or abort(404)
    member = get_member_or_404(member_id, for_user=user)
    data = body_with("status")
    meetings.set_member_status(member, choice_field(data, "status", rules.MEMBER_STATUSES), by=user)
    return jsonify(member_json(member))


@bp.get("/organizations/<code>/members")
@staff_api(READERS)
def list_members(code, user):
    organization = organization_by_code(code, user)
    return jsonify({"organization": organization.code,
                    "members": [member_json(m) for m in directory.members_under(organization)]})


# --- meetings and attendance --------------------------------------------------------------

@bp.get("/meetings")
@staff_api(READERS)
def list_meetings(user):
    return jsonify({"meetings": [meeting_summary(m) for m in directory.recent_meetings(user, limit_argument())]})


@bp.post("/meetings")
@staff_api()
def create_meeting(user):
    data = body_with("organization", "title", "held_on", *meetings.DETAILS)
    organization = organization_by_code(data.get("organization"), user, field="organization")
    meeting = meetings.create_meeting(organization, text_field(data, "title"), date_field(data, "held_on"), by=user,
                                      details=details_fields(data))
    return jsonify(meeting_json(meeting)), 201


@bp.get("/meetings/<int:meeting_id>")
@staff_api(READERS)
def get_meeting(meeting_id, user):
    return jsonify(meeting_json(get_meeting_or_404(meeting_id, for_user=user)))


#: the lists of an attendance update, by status; "excluded" maps each reason to its list
ATTENDANCE_LISTS = (rules.PRESENT, rules.ABSENT, rules.ABSENT_APPROVED)


def attendance_changes(meeting, data: dict) -> list[tuple[str, str | None, list]]:
    """(status, reason, members) for each list given; a code may appear in one list only."""
    changes = [(status, None, summoned_members(meeting, codes_field(data, status), status))
               for status in ATTENDANCE_LISTS]
    excluded = data.get(rules.EXCLUDED, {})
    if not isinstance(excluded, dict) or not set(excluded) <= set(rules.EXCLUSION_REASONS):
        raise _invalid(rules.EXCLUDED, f"must map reasons ({', '.join(rules.EXCLUSION_REASONS)}) to member codes.",
                       f"phải gán lý do ({', '.join(rules.EXCLUSION_REASONS)}) với danh sách mã đảng viên.")
    changes += [(rules.EXCLUDED, reason, summoned_members(meeting, codes_field(excluded, reason), reason))
                for reason in rules.EXCLUSION_REASONS]
    seen: dict[str, str] = {}
    for status, reason, members in changes:
        field = reason or status
        repeated = sorted(m.code for m in members if m.code in seen)
        if repeated:
            raise _invalid(field, f"repeats codes listed under {seen[repeated[0]]}: {', '.join(repeated)}.",
                           f"trùng mã đã ghi ở {seen[repeated[0]]}: {', '.join(repeated)}.", unknown=repeated)
        seen.update((m.code, field) for m in members)
    return [change for change in changes if change[2]]


@bp.patch("/meetings/<int:meeting_id>")
@staff_api()
def update_meeting(meeting_id, user):
    """Place, chair and secretary, which the minutes print; fields left out keep their value."""
    meeting = get_meeting_or_404(meeting_id, for_user=user)
    given = details_fields(body_with(*meetings.DETAILS))
    current = {name: getattr(meeting, name) for name in meetings.DETAILS}
    meetings.update_meeting_details(meeting, current | given, by=user)
    return jsonify(meeting_json(meeting))


@bp.post("/meetings/<int:meeting_id>/attendance")
@staff_api()
def record_attendance(meeting_id, user):
    meeting = get_meeting_or_404(meeting_id, for_user=user)
    data = body_with(*ATTENDANCE_LISTS, rules.EXCLUDED)
    for status, reason, members in attendance_changes(meeting, data):
        meetings.set_attendance(meeting, [m.id for m in members], status, reason, by=user)
    return jsonify(meeting_json(meeting))


# --- ballot sessions ----------------------------------------------------------------------

@bp.post("/meetings/<int:meeting_id>/sessions")
@staff_api()
def create_session(meeting_id, user):
    meeting = get_meeting_or_404(meeting_id, for_user=user)
    data = body_with("kind", "title", "subjects", "motion", "policy", "electorate", "electors")
    kind = choice_field(data, "kind", SESSION_KINDS)
    policy = data.get("policy")
    if policy is not None and not isinstance(policy, str):
        raise _invalid("policy", "must be the name of a counting policy.", "phải là tên một quy định kiểm phiếu.")
    session = ballots.create_session(meeting, kind=kind, title=text_field(data, "title"),
                                     subjects=subjects_field(meeting, kind, data), policy=policy, by=user,
                                     **electorate_fields(meeting, data, kind))
    return jsonify(session_json(session)), 201


def subjects_field(meeting, kind: str, data: dict) -> list[dict]:
    """People by member code (summoned to the meeting), or the motion's text."""
    if kind in PERSON_KINDS:
        return ballots.member_subjects(summoned_members(meeting, codes_field(data, "subjects", required=True),
                                                        "subjects"))
    return [{"key": MOTION, "name": text_field(data, "motion")}]


def electorate_fields(meeting, data: dict, kind: str) -> dict:
    """electorate (default by kind) and electors (member codes of a chosen body)."""
    chosen = choice_field(data, "electorate", rules.ELECTORATES, default=rules.default_electorate(kind))
    members = summoned_members(meeting, codes_field(data, "electors"), "electors")
    if members and chosen != rules.BODY:
        raise _invalid("electors", "is only for electorate 'body'.", "chỉ dùng khi electorate là 'body'.")
    return {"electorate": chosen, "electors": [m.id for m in members]}


@bp.post("/sessions/<session_id>/edit")
@staff_api()
def edit_session(session_id, user):
    """While a draft: any of title, subjects (or motion), electorate with electors."""
    session = get_session_or_404(session_id, for_user=user)
    data = body_with("title", "subjects", "motion", "electorate", "electors")
    changes = {}
    if "title" in data:
        changes["title"] = text_field(data, "title")
    if "subjects" in data or "motion" in data:
        changes["subjects"] = subjects_field(session.meeting, session.kind, data)
    if "electorate" in data or "electors" in data:
        fields = electorate_fields(session.meeting, {"electorate": session.electorate} | data, session.kind)
        changes.update(electorate_name=fields["electorate"], electors=fields["electors"])
    ballots.edit_draft(session, by=user, **changes)
    return jsonify(session_json(session))


@bp.delete("/sessions/<session_id>")
@staff_api()
def delete_session(session_id, user):
    """A draft only; logged."""
    ballots.delete_draft(get_session_or_404(session_id, for_user=user), by=user)
    return "", 204


@bp.get("/sessions/<session_id>")
@staff_api()
def get_session(session_id, user):
    return jsonify(session_json(get_session_or_404(session_id, for_user=user)))


def optional_body(*allowed: str) -> dict:
    """Like body_with, for calls whose body may be left out entirely."""
    return body_with(*allowed) if request.get_data() else {}


def texts_field(data: dict, name: str) -> list[str]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(text, str) for text in value):
        raise _invalid(name, "must be a list of texts.", "phải là danh sách văn bản.")
    return value


def custody_options(data: dict) -> dict:
    """open_session's key-custody arguments: the system key by default, or the committee's k of n."""
    custody = choice_field(data, "custody", CUSTODIES, default=KeyCustody.SYSTEM.value)
    if custody == KeyCustody.SYSTEM.value:
        given = sorted(set(data) & {"threshold", "holders", "names"})
        if given:
            raise _invalid(given[0], "is only for custody 'committee'.", "chỉ dùng khi custody là 'committee'.")
        return {}
    return {"custody": custody,
            "threshold": integer_field(data, "threshold") if "threshold" in data else ballots.DEFAULT_THRESHOLD,
            "holders": integer_field(data, "holders") if "holders" in data else ballots.DEFAULT_HOLDERS,
            "names": texts_field(data, "names")}


@bp.post("/sessions/<session_id>/open")
@staff_api()
def open_session(session_id, user):
    """With a committee key the shares are in this answer only: nothing of the key is stored."""
    session = get_session_or_404(session_id, for_user=user)
    handed_out = ballots.open_session(session, by=user,
                                      **custody_options(optional_body("custody", "threshold", "holders", "names")))
    body = session_json(session)
    if handed_out:
        body["shares"] = [{"number": share.number, "holder": share.holder, "share": share.words}
                          for share in handed_out]
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/sessions/<session_id>/tokens")
@staff_api()
def issue_tokens(session_id, user):
    """The tokens are in this answer only; the server keeps their hashes."""
    session = get_session_or_404(session_id, for_user=user)
    count = integer_field(body_with("count"), "count")
    issued = [format_token(t) for t in ballots.issue_tokens(session, count, mode="api", by=user)]
    response = jsonify({"tokens": issued, "urls": [ballot_url(t) for t in issued]})
    response.headers["Cache-Control"] = "no-store"
    return response, 201


@bp.get("/sessions/<session_id>/progress")
@staff_api()
def session_progress(session_id, user):
    return jsonify(ballots.progress(get_session_or_404(session_id, for_user=user)))


@bp.post("/sessions/<session_id>/close")
@staff_api()
def close_session(session_id, user):
    session = get_session_or_404(session_id, for_user=user)
    ballots.close_session(session, by=user)
    return jsonify(session_json(session))


@bp.post("/sessions/<session_id>/tally")
@staff_api()
def tally_session(session_id, user):
    session = get_session_or_404(session_id, for_user=user)
    data = optional_body("shares", "committee")
    return jsonify(tallying.tally_session(session, by=user, committee=texts_field(data, "committee"),
                                          shares=texts_field(data, "shares")).document)


@bp.get("/sessions/<session_id>/results")
@staff_api(RESULT_READERS)
def session_results(session_id, user):
    return jsonify(tallying.results(get_session_or_404(session_id, for_user=user)))
