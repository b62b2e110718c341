"""The OpenAPI 3.1 description of /api/v1, written by hand as plain data (no generator).

tests/integration/test_openapi.py keeps it honest: every route of the blueprint is here,
with its Flask endpoint name as operationId, and nothing here is missing from the app.
docs/api.md explains the same API with worked examples.
"""

from __future__ import annotations

from flask import jsonify

from ...crypto.sealed import SCHEMES
from ...domain import grading as rating
from ...domain.electorate import (ABSENT, ABSENT_APPROVED, ATTENDANCE_STATUSES, ELECTORATES, EXCLUDED,
                                  EXCLUSION_REASONS, MEMBER_STATUSES, PRESENT)
from ...domain.forms import KINDS, OPTIONS
from ...domain.policy import DEFAULT_POLICIES, POLICIES
from ...models.accounts import ROLES
from ...models.ballots import SessionState
from ...services.ballots import MAX_ISSUE
from ...services.errors import MESSAGES
from . import bp

VOTER_ERROR_CODES = ("unknown_token", "token_used", "token_void", "session_not_open", "malformed_ballot",
                     "wrong_scheme", "too_large", "wrong_session", "duplicate_ballot", "malformed_request")


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict, description: str = "") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def array_of(schema: dict) -> dict:
    return {"type": "array", "items": schema}


def obj(properties: dict, required=(), **more) -> dict:
    """A closed JSON object: every listed property, no others."""
    return {"type": "object", "properties": properties, "required": list(required),
            "additionalProperties": False, **more}


def error_responses(*statuses: int) -> dict:
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
             413: "TooLarge", 422: "ImportFailed"}
    return {str(status): {"$ref": f"#/components/responses/{names[status]}"} for status in statuses}


STAFF_READ = [{"basicAuth": []}, {"cookieAuth": []}]
STAFF_WRITE = [{"basicAuth": []}, {"cookieAuth": [], "csrfToken": []}]
NO_AUTH: list = []


def operation(endpoint: str, summary: str, *, tag: str, responses: dict, request: dict | None = None,
              security=None, description: str = "") -> dict:
    """One operation; `endpoint` is the Flask view name, used as operationId."""
    found = {"operationId": endpoint, "summary": summary, "tags": [tag], "responses": responses}
    if description:
        found["description"] = description
    if request is not None:
        found["requestBody"] = {"required": True, **request}
    if security is not None:
        found["security"] = security
    return found


def staff_read(endpoint, summary, schema, *, tag, description="", errors=(401, 403, 404)) -> dict:
    return operation(endpoint, summary, tag=tag, security=STAFF_READ, description=description,
                     responses={"200": json_content(schema, "OK"), **error_responses(*errors)})


def staff_write(endpoint, summary, schema, *, tag, request=None, status="200", description="",
                errors=(400, 401, 403, 404, 409)) -> dict:
    return operation(endpoint, summary, tag=tag, security=STAFF_WRITE, request=request, description=description,
                     responses={status: json_content(schema, "Done"), **error_responses(*errors)})


def optional_body(found: dict) -> dict:
    """The operation with its request body optional (the call also works with none)."""
    found["requestBody"]["required"] = False
    return found


def path_parameter(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


MEETING_ID = [path_parameter("meeting_id", {"type": "integer"}, "The meeting's id.")]
SESSION_ID = [path_parameter("session_id", {"type": "string", "format": "uuid"}, "The ballot session's id.")]
ORGANIZATION_CODE = [path_parameter("code", {"type": "string"}, "The organization's code, e.g. SL-01.")]
MEMBER_CODE = [path_parameter("member_code", {"type": "string"}, "The member's code, e.g. DV00001.")]
CODES = array_of({"type": "string"})
B64URL = {"type": "string", "pattern": "^[A-Za-z0-9_-]*$", "description": "base64url without padding"}
#: new sessions use sealed-v2; sessions opened before it keep sealed-v1
SCHEME = {"enum": list(SCHEMES)}
HEX_RECEIPT = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
#: levels are rows of organization_levels, so the document names no fixed list
LEVEL_CODE = {"type": "string", "maxLength": 10,
              "description": "A code of GET /organization-levels, e.g. tinh, co-so, chi-bo."}
#: as printed: five groups of four from crypto.tokens.ALPHABET
TOKEN_PATTERN = "^([2-9A-HJ-NP-Z]{4}-){4}[2-9A-HJ-NP-Z]{4}$"
UPLOAD = {"description": "A CSV (UTF-8, with or without BOM) or XLSX spreadsheet.",
          "content": {"multipart/form-data": {"schema": obj({"file": {"type": "string",
                                                                      "contentMediaType": "application/octet-stream"}},
                                                            ["file"])}}}

OPTION = obj({"id": {"type": "string"}, "label": {"type": "string"}, "label_en": {"type": "string"}},
             ["id", "label", "label_en"])
ALL_OPTION_IDS = sorted({option.id for kind in KINDS for option in OPTIONS[kind]})

ELECTORATE_FIELDS = {
    "electorate": {"enum": list(ELECTORATES), "description": "who votes: all summoned (default, confidence), "
                   "official members only (default, motion; a motion may have no probationary voter), or body"},
    "electors": {**array_of({"type": "string"}), "description": "electorate body: member codes of the body"}}
#: what the minutes print of a meeting (services.meetings.DETAILS); empty until typed
MEETING_DETAILS = {"place": {"type": "string", "maxLength": 200}, "chair_name": {"type": "string", "maxLength": 120},
                   "secretary_name": {"type": "string", "maxLength": 120}}

SCHEMAS = {
    "Error": obj({"error": obj({
        "code": {"type": "string", "enum": sorted(MESSAGES) + ["internal_error"]},
        "message": {"type": "string", "description": "English"},
        "message_vi": {"type": "string", "description": "Vietnamese"},
        "field": {"type": "string", "description": "the request field at fault (invalid_input)"},
        "allowed": array_of({"type": "string"}),
        "unknown": array_of({"type": "string"}),
        "lines": array_of(obj({"line": {"type": ["integer", "null"]}, "column": {"type": "string"},
                               "message": {"type": "string"}, "message_vi": {"type": "string"}},
                              ["line", "column", "message", "message_vi"])),
    }, ["code", "message", "message_vi"])}, ["error"]),
    # --- voter contract (docs/api.md) ---
    "WireBallot": obj({"scheme": SCHEME | {"description": "the scheme the lookup names for the session"},
                       "epk": B64URL | {"description": "65-byte uncompressed P-256 point"},
                       "nonce": B64URL | {"description": "12 bytes"},
                       "ct": B64URL | {"description": "AES-256-GCM ciphertext and tag: plaintext_size + 16 bytes"}},
                      ["scheme", "epk", "nonce", "ct"]),
    "LookupRequest": obj({"token": {"type": "string", "examples": ["ABCD-EFGH-JKLM-NPQR-STUV"]}}, ["token"]),
    "CastRequest": obj({"token": {"type": "string"}, "ballot": ref("WireBallot"),
                        "session": {"type": "string", "description": "optional: the session the phone looked up"}},
                       ["token", "ballot"]),
    "VoterSession": obj({
        "id": {"type": "string"}, "title": {"type": "string"}, "kind": {"enum": list(KINDS)},
        "meeting": {"type": "string"}, "organization": {"type": "string"}, "scheme": SCHEME,
        "public_key": B64URL, "plaintext_size": {"type": "integer"},
        "subjects": array_of(obj({"id": {"type": "string"}, "name": {"type": "string"},
                                  "detail": {"type": "string"}, "options": array_of(OPTION)},
                                 ["id", "name", "detail", "options"]))},
        ["id", "title", "kind", "scheme", "public_key", "plaintext_size", "subjects"]),
    "Receipt": obj({"receipt": HEX_RECEIPT, "short_code": {"type": "string", "pattern": "^[0-9a-f]{8}$"}},
                   ["receipt", "short_code"]),
    # --- organizations and members ---
    "Organization": obj({"code": {"type": "string"}, "name": {"type": "string"}, "level": LEVEL_CODE,
                         "parent": {"type": ["string", "null"]}}, ["code", "name", "level", "parent"]),
    "OrganizationCreate": obj({"code": {"type": "string", "maxLength": 40},
                               "name": {"type": "string", "maxLength": 200},
                               "level": LEVEL_CODE | {"default": "chi-bo"},
                               "parent": {"type": ["string", "null"], "description": "parent code; null = a root"}},
                              ["code", "name"]),
    "OrganizationList": obj({"organizations": array_of(ref("Organization"))}, ["organizations"]),
    "OrganizationLevel": obj({"code": {"type": "string"}, "label": {"type": "string"},
                              "name_vi": {"type": "string"}, "name_en": {"type": "string"},
                              "position": {"type": "integer"}, "is_grassroots": {"type": "boolean"}},
                             ["code", "label", "name_vi", "name_en", "position", "is_grassroots"]),
    "OrganizationLevelList": obj({"levels": array_of(ref("OrganizationLevel"))}, ["levels"]),
    "Member": obj({"code": {"type": "string"}, "full_name": {"type": "string"}, "organization": {"type": "string"},
                   "post": {"type": "string"}, "is_leader": {"type": "boolean"},
                   "status": {"enum": list(MEMBER_STATUSES), "description": "official (chính thức) or probationary "
                                                                           "(dự bị): only official members vote on motions"}},
                  ["code", "full_name", "organization", "post", "is_leader", "status"]),
    "MemberStatus": obj({"status": {"enum": list(MEMBER_STATUSES)}}, ["status"]),
    "MemberList": obj({"organization": {"type": "string"}, "members": array_of(ref("Member"))},
                      ["organization", "members"]),
    "ImportReport": obj({"created": {"type": "integer"}, "updated": {"type": "integer"}, "total": {"type": "integer"}},
                        ["created", "updated", "total"]),
    # --- meetings ---
    "MeetingSummary": obj({"id": {"type": "integer"}, "title": {"type": "string"}, "held_on": {"format": "date",
                                                                                              "type": "string"},
                           "organization": {"type": "string"}, "summoned": {"type": "integer"},
                           "present": {"type": "integer"}, **MEETING_DETAILS},
                          ["id", "title", "held_on", "organization", "summoned", "present", *MEETING_DETAILS]),
    "Meeting": {"allOf": [ref("MeetingSummary"), {"type": "object",
                                                  "required": ["excluded", "base", "quorum", "attendance", "sessions"],
                                                  "properties": {
        "excluded": {"type": "integer", "description": "out of the base: excluded, or absent with an approved reason"},
        "base": {"type": "integer", "description": "summoned less excluded: the quorum is 2/3 of it"},
        "quorum": obj({"met": {"type": "boolean"}, "needed": {"type": "integer"}}, ["met", "needed"]),
        "attendance": array_of(obj({"code": {"type": "string"}, "full_name": {"type": "string"},
                                    "member_status": {"enum": list(MEMBER_STATUSES)},
                                    "present": {"type": "boolean"}, "status": {"enum": list(ATTENDANCE_STATUSES)},
                                    "reason": {"enum": [*EXCLUSION_REASONS, None],
                                               "description": "why an excluded member is out of the base"}},
                                   ["code", "full_name", "member_status", "present", "status", "reason"])),
        "sessions": array_of(ref("SessionSummary"))}}]},
    "MeetingList": obj({"meetings": array_of(ref("MeetingSummary"))}, ["meetings"]),
    "MeetingCreate": obj({"organization": {"type": "string"}, "title": {"type": "string", "maxLength": 300},
                          "held_on": {"type": "string", "format": "date"}, **MEETING_DETAILS},
                         ["organization", "title", "held_on"]),
    "MeetingUpdate": obj(MEETING_DETAILS),
    "AttendanceUpdate": obj({
        PRESENT: CODES, ABSENT: {**CODES, "description": "absent without an approved reason (stays in the base)"},
        ABSENT_APPROVED: {**CODES, "description": "absent throughout with an approved reason (out of the base)"},
        EXCLUDED: {**obj({reason: CODES for reason in EXCLUSION_REASONS}),
                   "description": "out of the base (QĐ 24-QĐ/TW 9.3), codes by reason"}},
        description="Member codes by status; a code may appear once. Refused (409 conflict) when an open "
                    "session has handed out more codes than its voters would then have present."),
    # --- sessions ---
    "SessionSummary": obj({"id": {"type": "string"}, "kind": {"enum": list(KINDS)}, "title": {"type": "string"},
                           "state": {"enum": [s.value for s in SessionState]}}, ["id", "kind", "title", "state"]),
    "SessionCreate": obj({"kind": {"enum": [kind for kind in KINDS if kind != "rating"]}, "title": {"type": "string", "maxLength": 300},
                          "subjects": {**array_of({"type": "string"}), "description": "confidence: member codes"},
                          "motion": {"type": "string", "maxLength": 300, "description": "motion: its text"},
                          "policy": {"enum": sorted(POLICIES), "description": "a counting policy made for the kind; "
                                     "default: " + ", ".join(f"{kind} → {name}" for kind, name in DEFAULT_POLICIES.items())},
                          **ELECTORATE_FIELDS},
                         ["kind", "title"]),
    "SessionEdit": obj({"title": {"type": "string", "maxLength": 300},
                        "subjects": {**array_of({"type": "string"}), "description": "confidence: member codes"},
                        "motion": {"type": "string", "maxLength": 300, "description": "motion: its text"},
                        **ELECTORATE_FIELDS}, description="Only while a draft; every field optional."),
    "Session": {"allOf": [ref("SessionSummary"), {"type": "object", "properties": {
        "meeting": {"type": "integer"}, "policy": {"type": "string"}, "scheme": SCHEME,
        "electorate": {"enum": list(ELECTORATES)}, "electors": {**CODES, "description": "the body's member codes"},
        "public_key": B64URL | {"type": ["string", "null"], "description": "null until the session opens"},
        "plaintext_size": {"type": "integer"},
        "key_custody": {"enum": ["system", "committee"], "description": "who holds the private key once open"},
        "share_threshold": {"type": ["integer", "null"], "description": "committee custody: k"},
        "share_count": {"type": ["integer", "null"], "description": "committee custody: n"},
        "subjects": array_of(obj({"id": {"type": "string"}, "name": {"type": "string"}, "detail": {"type": "string"}},
                                 ["id", "name", "detail"])),
        "options": array_of(OPTION),
        "counts": ref("Progress")}, "required": ["meeting", "policy", "electorate", "electors", "public_key",
                                                 "plaintext_size", "subjects", "counts"]}]},
    "OpenRequest": obj({
        "custody": {"enum": ["system", "committee"], "default": "system"},
        "threshold": {"type": "integer", "minimum": 2, "maximum": 9, "default": 2,
                      "description": "committee: k, the shares the tally needs"},
        "holders": {"type": "integer", "minimum": 2, "maximum": 9, "default": 3,
                    "description": "committee: n, the shares handed out (k ≤ n)"},
        "names": {**array_of({"type": "string", "maxLength": 120}), "maxItems": 9,
                  "description": "committee: the holders' names, in share order (optional)"}}),
    "OpenedSession": {"allOf": [ref("Session"), {"type": "object", "properties": {
        "shares": {**array_of(obj({"number": {"type": "integer"}, "holder": {"type": "string"},
                                   "share": {"type": "string", "description": "SLIP-39 words (33 for a P-256 key)"}},
                                  ["number", "holder", "share"])),
                   "description": "committee custody only, in this answer only"}}}]},
    "TallyRequest": obj({
        "shares": {**array_of({"type": "string"}), "maxItems": 9,
                   "description": "committee custody: k (or more) shares as typed; blank items are ignored"},
        "committee": {**array_of({"type": "string", "maxLength": 120}),
                      "description": "the counting committee's names, kept in the signed tally"}}),
    "Progress": obj({"state": {"enum": [s.value for s in SessionState]},
                     "summoned": {"type": "integer", "description": "the electorate summoned"},
                     "excluded": {"type": "integer", "description": "of them, out of the base"},
                     "base": {"type": "integer", "description": "summoned less excluded"},
                     "present": {"type": "integer", "description": "the electorate present: the ballot cap"},
                     "issued": {"type": "integer"}, "voted": {"type": "integer"}, "void": {"type": "integer"}},
                    ["state", "summoned", "excluded", "base", "present", "issued", "voted", "void"]),
    "TokenRequest": obj({"count": {"type": "integer", "minimum": 1, "maximum": MAX_ISSUE}}, ["count"]),
    "IssuedTokens": obj({"tokens": array_of({"type": "string", "pattern": TOKEN_PATTERN}),
                         "urls": array_of({"type": "string", "format": "uri"})}, ["tokens", "urls"]),
    "Tally": {"type": "object",
              "description": "The stored tally document (format votingapp/tally-v1, docs/formats.md).",
              "required": ["format", "session", "policy", "bases", "ballots", "subjects"],
              "properties": {
                  "format": {"const": "votingapp/tally-v1"},
                  "session": {"type": "object"}, "policy": {"type": "object"}, "tokens": {"type": "object"},
                  "bases": {"type": "object", "additionalProperties": {"type": "integer"}},
                  "ballots": {"type": "object", "required": ["received", "valid", "invalid", "invalid_by_reason"]},
                  "subjects": array_of({"type": "object", "required": ["id", "name", "counts", "basis", "percent"],
                                        "properties": {"counts": {"type": "object", "propertyNames": {
                                            "enum": ALL_OPTION_IDS + ["blank"]}}}})}},
    # --- public documents (docs/formats.md) ---
    "Board": {"type": "object", "description": "A signed votingapp/board-v2 document with its entries last "
                                               "(docs/formats.md §6); sessions closed before it keep board-v1, "
                                               "whose entries also carry their chain link.",
              "required": ["format", "session", "counts", "entries", "head", "signature"],
              "properties": {
                  "format": {"enum": ["votingapp/board-v2", "votingapp/board-v1"]}, "session": {"type": "object"},
                  "counts": obj({name: {"type": "integer"} for name in (
                      "summoned", "excluded", "base", "present", "tokens_issued", "tokens_used", "tokens_void",
                      "ballots")},
                      ["summoned", "present", "tokens_issued", "tokens_used", "tokens_void", "ballots"]),
                  "entries": array_of(obj({"receipt": HEX_RECEIPT, "epk": B64URL, "nonce": B64URL, "ct": B64URL,
                                           "chain": {"type": "string", "pattern": "^[0-9a-f]{64}$",
                                                     "description": "board-v1 only"}},
                                          ["receipt", "epk", "nonce", "ct"])),
                  "head": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                  "signature": ref("Signature")}},
    "Signature": obj({"algorithm": {"const": "Ed25519"}, "public_key": B64URL, "value": B64URL},
                     ["algorithm", "public_key", "value"]),
    "PublicBundle": obj({"format": {"enum": ["votingapp/audit-bundle-v2", "votingapp/audit-bundle-v1"]},
                         "level": {"const": "public"},
                         "signing_key": B64URL | {"description": "the installation's Ed25519 public key"},
                         "board": ref("Board"), "tally": {"anyOf": [ref("Tally"), {"type": "null"}]}},
                        ["format", "level", "signing_key", "board", "tally"]),
}


def _error_response(description: str, *, headers: dict | None = None) -> dict:
    response = json_content(ref("Error"), description)
    if headers:
        response["headers"] = headers
    return response


RESPONSES = {
    "BadRequest": _error_response("Malformed JSON, a missing or wrong field (invalid_input names it in `field`), "
                                  "or a malformed ballot."),
    "Unauthorized": _error_response("No credentials, or wrong ones.", headers={
        "WWW-Authenticate": {"schema": {"const": 'Basic realm="votingapp"'}}}),
    "Forbidden": _error_response("Outside the caller's organization subtree, not allowed to the role, "
                                 "or a cookie-session call without a valid X-CSRFToken header."),
    "NotFound": _error_response("No such object (or an unknown ballot token)."),
    "Conflict": _error_response("The state forbids it: illegal_transition, not_tallied, session_not_open, "
                                "session_not_closed, token_used, token_void, wrong_session, duplicate_ballot, "
                                "quorum_not_met, conflict."),
    "TooLarge": _error_response("The body is over the limit (voter calls: 64 KiB)."),
    "ImportFailed": _error_response("The file has errors; `lines` lists each, nothing was imported."),
}

VOTER_ERRORS_TEXT = ("Errors are `{\"error\": {code, message, message_vi}}` with codes "
                     + ", ".join(VOTER_ERROR_CODES) + ". A rejected request consumes no token.")

PATHS = {
    "/openapi.json": {"get": operation("openapi_document", "This document", tag="meta", security=NO_AUTH,
                                       responses={"200": json_content({"type": "object"}, "OpenAPI 3.1")})},
    "/ballot/lookup": {"post": operation(
        "lookup_ballot", "The session a token votes in", tag="voter", security=NO_AUTH,
        description="No login: the token is the credential and travels only in POST bodies. " + VOTER_ERRORS_TEXT,
        request=json_content(ref("LookupRequest")),
        responses={"200": json_content(ref("VoterSession"), "The ballot form and the session's public key"),
                   **error_responses(400, 404, 409, 413)})},
    "/ballot/cast": {"post": operation(
        "cast_ballot", "Cast one sealed ballot", tag="voter", security=NO_AUTH,
        description="The ballot is sealed on the phone, under the scheme the lookup names. The same token with "
                    "the same ballot again "
                    "answers 200 with the same receipt; the same token with another ballot answers 409 "
                    "token_used. " + VOTER_ERRORS_TEXT,
        request=json_content(ref("CastRequest")),
        responses={"201": json_content(ref("Receipt"), "Stored; the token is spent"),
                   "200": json_content(ref("Receipt"), "An identical retry: the same receipt"),
                   **error_responses(400, 404, 409, 413)})},
    "/organizations": {
        "get": staff_read("list_organizations", "Organizations in the caller's scope", ref("OrganizationList"),
                          tag="organizations", errors=(401, 403)),
        "post": staff_write("create_organization", "Create an organization", ref("Organization"),
                            tag="organizations", request=json_content(ref("OrganizationCreate")), status="201")},
    "/organization-levels": {"get": staff_read(
        "list_organization_levels", "The levels of the organization tree, top down", ref("OrganizationLevelList"),
        tag="organizations", errors=(401, 403),
        description="The same for every caller. Rows of the organization_levels table: `label` is the word of the spreadsheets' Cấp column.")},
    "/organizations/import": {"post": staff_write(
        "import_organizations", "Import the organization list", ref("ImportReport"), tag="organizations",
        request=UPLOAD, errors=(400, 401, 403, 409, 413, 422),
        description="All or nothing; needs a user scoped to the whole installation.")},
    "/members/import": {"post": staff_write(
        "import_members", "Import the member list", ref("ImportReport"), tag="organizations",
        request=UPLOAD, errors=(400, 401, 403, 409, 413, 422),
        description="All or nothing; each member's cell must exist; needs a user scoped to the whole installation.")},
    "/members/{member_code}/status": {"parameters": MEMBER_CODE, "post": staff_write(
        "set_member_status", "Set a member official or probationary", ref("Member"), tag="organizations",
        request=json_content(ref("MemberStatus")))},
    "/organizations/{code}/members": {"parameters": ORGANIZATION_CODE, "get": staff_read(
        "list_members", "Members of the organization and its subtree", ref("MemberList"), tag="organizations")},
    "/meetings": {
        "get": {**staff_read("list_meetings", "Meetings in scope, latest first", ref("MeetingList"), tag="meetings",
                             errors=(400, 401, 403)),
                "parameters": [{"name": "limit", "in": "query", "required": False,
                                "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}}]},
        "post": staff_write("create_meeting", "Create a meeting (summons the subtree's members, all absent)",
                            ref("Meeting"), tag="meetings", request=json_content(ref("MeetingCreate")), status="201")},
    "/meetings/{meeting_id}": {"parameters": MEETING_ID, "get": staff_read(
        "get_meeting", "A meeting: attendance, quorum, sessions", ref("Meeting"), tag="meetings"),
        "patch": staff_write("update_meeting", "Set the place, chair and secretary the minutes print", ref("Meeting"),
                             tag="meetings", request=json_content(ref("MeetingUpdate")))},
    "/meetings/{meeting_id}/attendance": {"parameters": MEETING_ID, "post": staff_write(
        "record_attendance", "Record attendance: present, absent, absent with an approved reason, excluded",
        ref("Meeting"), tag="meetings",
        request=json_content(ref("AttendanceUpdate")))},
    "/meetings/{meeting_id}/sessions": {"parameters": MEETING_ID, "post": staff_write(
        "create_session", "Create a draft ballot session", ref("Session"), tag="sessions",
        request=json_content(ref("SessionCreate")), status="201")},
    "/sessions/{session_id}": {"parameters": SESSION_ID, "get": staff_read(
        "get_session", "A session: state, subjects, public key once open, counts", ref("Session"), tag="sessions"),
        "delete": operation("delete_session", "Delete a draft session (logged)", tag="sessions",
                            security=STAFF_WRITE, responses={"204": {"description": "Deleted"},
                                                             **error_responses(401, 403, 404, 409)},
                            description="409 illegal_transition once it has opened.")},
    "/sessions/{session_id}/edit": {"parameters": SESSION_ID, "post": staff_write(
        "edit_session", "Edit a draft: title, subjects or motion, electorate", ref("Session"), tag="sessions",
        request=json_content(ref("SessionEdit")),
        description="Only while a draft (409 illegal_transition after).")},
    "/sessions/{session_id}/open": {"parameters": SESSION_ID, "post": optional_body(staff_write(
        "open_session", "Open: draft → open (a fresh key pair)", ref("OpenedSession"), tag="sessions",
        request=json_content(ref("OpenRequest")), errors=(400, 401, 403, 404, 409),
        description="Refused with 409 quorum_not_met (with `needed`, `base`, `present`) below 2/3 of the "
                    "electorate's base present. No body (or custody \"system\"): the private key is stored wrapped under the system key. "
                    "Custody \"committee\": the key is split k-of-n (SLIP-39, docs/formats.md), `shares` are in "
                    "this answer only (Cache-Control: no-store) and nothing of the key is stored; a second open "
                    "is refused (409), so they can never be shown again."))},
    "/sessions/{session_id}/tokens": {"parameters": SESSION_ID, "post": staff_write(
        "issue_tokens", "Issue one-time ballot tokens", ref("IssuedTokens"), tag="sessions",
        request=json_content(ref("TokenRequest")), status="201",
        description="The tokens are in this answer only (Cache-Control: no-store); the server keeps hashes.")},
    "/sessions/{session_id}/progress": {"parameters": SESSION_ID, "get": staff_read(
        "session_progress", "How many voted (counts only)", ref("Progress"), tag="sessions")},
    "/sessions/{session_id}/close": {"parameters": SESSION_ID, "post": staff_write(
        "close_session", "Close: open → closed; unused tokens become void", ref("Session"), tag="sessions",
        errors=(401, 403, 404, 409))},
    "/sessions/{session_id}/tally": {"parameters": SESSION_ID, "post": optional_body(staff_write(
        "tally_session", "Tally: closed → tallied; returns the tally document", ref("Tally"), tag="sessions",
        request=json_content(ref("TallyRequest")), errors=(400, 401, 403, 404, 409),
        description="A committee-key session needs k of its shares: 400 shares_needed without them, "
                    "400 wrong_shares when they do not rebuild this session's key; the session stays closed."))},
    "/sessions/{session_id}/results": {"parameters": SESSION_ID, "get": staff_read(
        "session_results", "The stored tally document (auditors too)", ref("Tally"), tag="sessions",
        errors=(401, 403, 404, 409), description="409 not_tallied until the session is tallied.")},
    "/sessions/{session_id}/board": {"parameters": SESSION_ID, "get": operation(
        "get_board", "The signed bulletin board of a closed session", tag="public", security=NO_AUTH,
        description="No login. The board-v1 document exactly as signed at close (docs/formats.md): every "
                    "ciphertext sorted by receipt, hash-chained, with the counts. 409 session_not_closed before.",
        responses={"200": json_content(ref("Board"), "The signed board"), **error_responses(404, 409)})},
    "/sessions/{session_id}/bundle": {"parameters": SESSION_ID, "get": operation(
        "get_public_bundle", "The public audit bundle, as a file", tag="public", security=NO_AUTH,
        description="No login. audit-bundle-v1 at level public: board, tally (null before the tally) and the "
                    "installation's signing key; `votingapp verify FILE` checks it offline. Sent with "
                    "Content-Disposition: attachment; filename=\"votingapp-<first 8 of id>-public.json\".",
        responses={"200": json_content(ref("PublicBundle"), "The bundle"), **error_responses(404, 409)})},
}

# --- the yearly rating (web/api/grading.py) --------------------------------------------------

CYCLE_ID = [path_parameter("cycle_id", {"type": "integer"}, "The review cycle's id.")]
LEVEL = {"enum": list(rating.LEVELS)}
LEVEL_COUNTS = {"type": "object", "propertyNames": LEVEL, "additionalProperties": {"type": "integer", "minimum": 0}}
SUBJECT_KEY = {"type": "string", "pattern": f"^({'|'.join(rating.ROLES)}):.+$",
               "description": "<role>:<member or organization code>, e.g. member:DV00001, collective:SL-01"}
FIGURES = obj({name: {"type": "integer"} for name in (
    "meetings", "sessions_tallied", "rated", "self_assessments", "proposals", "decisions")})
SCHEMAS.update({
    "CycleCreate": obj({"organization": {"type": "string"}, "year": {"type": "integer", "minimum": 2000},
                        "title": {"type": "string", "maxLength": 300},
                        "policy": {"enum": list(rating.GRADING_POLICIES), "default": "366-2025"},
                        "deadlines": {"type": "object", "additionalProperties": {"type": "string", "format": "date"},
                                      "description": "level code → date; default co-so 10/12, huyen 25/12"}},
                       ["organization", "year"]),
    "Cycle": {"type": "object", "required": ["id", "organization", "year", "title", "policy", "deadlines", "state"],
              "properties": {"id": {"type": "integer"}, "organization": {"type": "string"},
                             "year": {"type": "integer"}, "title": {"type": "string"},
                             "policy": {"type": "object", "description": "the grading policy as data"},
                             "deadlines": {"type": "object"}, "state": {"enum": ["open", "closed"]},
                             "progress": ref("ProgressNode")}},
    "ProgressNode": {"type": "object", "required": ["organization", "deadline", "days_left", "overdue", "own", "total",
                                                    "children"],
                     "properties": {"organization": {"type": "object"},
                                    "deadline": {"type": ["string", "null"], "format": "date"},
                                    "days_left": {"type": ["integer", "null"]}, "overdue": {"type": "boolean"},
                                    "own": FIGURES, "total": FIGURES,
                                    "children": array_of(ref("ProgressNode"))}},
    "OpenVote": obj({"subject": SUBJECT_KEY, "counts": LEVEL_COUNTS,
                     "base": {"type": "integer", "minimum": 1, "description": "members present"}},
                    ["subject", "counts", "base"]),
    "RatingProposal": obj({"subject": SUBJECT_KEY, "source": {"enum": ["ballot", "open_vote", "hall"]},
                           "counts": LEVEL_COUNTS, "base": {"type": "integer"},
                           "level": {"anyOf": [LEVEL, {"type": "null"}]},
                           "session": {"type": ["string", "null"]}, "evidence": {"type": ["string", "null"]}},
                          ["subject", "source", "counts", "base", "level"]),
    "RatingProposals": obj({"proposals": array_of(ref("RatingProposal"))}, ["proposals"]),
    "DecisionCreate": obj({"subject": SUBJECT_KEY, "level": LEVEL | {"description": "absent: approve the proposal"},
                           "reason": {"type": "string", "maxLength": 2000,
                                      "description": "required when the level differs from the proposal"},
                           "quota_exception": {"type": "string", "maxLength": 2000,
                                               "description": "the competent level's reason to pass the quota"}},
                          ["subject"]),
    "DecisionCancel": obj({"subject": SUBJECT_KEY, "reason": {"type": "string", "minLength": 1}},
                          ["subject", "reason"]),
    "Decision": obj({"id": {"type": "integer"}, "subject": SUBJECT_KEY,
                     "action": {"enum": ["approve", "override", "cancel"]},
                     "level": {"anyOf": [LEVEL, {"type": "null"}]}, "reason": {"type": "string"},
                     "organization": {"type": "string"}, "decided_by": {"type": "string"},
                     "decided_at": {"type": "string", "format": "date-time"}},
                    ["id", "subject", "action", "level", "reason", "organization", "decided_by", "decided_at"]),
    "RatingSubject": {"type": "object", "required": ["key", "name", "role", "proposal", "decision", "history"],
                      "properties": {"key": SUBJECT_KEY, "role": {"enum": list(rating.ROLES)},
                                     "self_assessment": {"type": ["object", "null"], "properties": {
                                         "conditions": {"type": "object", "propertyNames": {"enum": list(rating.CONDITIONS)}}}},
                                     "proposal": {"anyOf": [ref("RatingProposal"), {"type": "null"}]},
                                     "explained": {"type": "object"}, "decision": {"anyOf": [LEVEL, {"type": "null"}]},
                                     "history": array_of(ref("Decision"))}},
    "HallKeyCreate": obj({"name": {"type": "string", "maxLength": 120}, "public_key": B64URL}, ["name", "public_key"]),
    "HallKey": obj({"id": {"type": "integer"}, "name": {"type": "string"}, "public_key": B64URL},
                   ["id", "name", "public_key"]),
    "HallBundleImport": obj({"hall": {"type": "string", "description": "the pinned hall's name"},
                             "bundle": ref("PublicBundle")}, ["hall", "bundle"]),
    "RatingImportReport": obj({"lines": {"type": "integer"}}, ["lines"]),
})
PATHS.update({
    "/cycles": {"post": staff_write(
        "create_review_cycle", "Open a yearly review cycle for an organization's subtree", ref("Cycle"),
        tag="grading", request=json_content(ref("CycleCreate")), status="201",
        description="Admins of the organization only. The subtree inherits the cycle.")},
    "/cycles/{cycle_id}": {"parameters": CYCLE_ID, "get": staff_read(
        "get_review_cycle", "A cycle with its progress tree (figures rolled up)", ref("Cycle"), tag="grading")},
    "/cycles/{cycle_id}/subjects/{key}": {
        "parameters": CYCLE_ID + [path_parameter("key", SUBJECT_KEY, "The rated subject.")],
        "get": staff_read("get_rating_subject", "A subject: self-assessment, proposal explained, decisions",
                          ref("RatingSubject"), tag="grading")},
    "/cycles/{cycle_id}/self-assessments/import": {"parameters": CYCLE_ID, "post": staff_write(
        "import_self_assessments", "Import self-assessments and proposals (the export's columns)",
        ref("RatingImportReport"), tag="grading", request=UPLOAD, errors=(400, 401, 403, 404, 409, 422),
        description="All lines or none; 422 lists each bad line.")},
    "/cycles/{cycle_id}/open-votes": {"parameters": CYCLE_ID, "post": staff_write(
        "record_open_votes", "Record show-of-hands counts: a proposal", ref("RatingProposal"), tag="grading",
        request=json_content(ref("OpenVote")), status="201")},
    "/cycles/{cycle_id}/sessions/{session_id}/proposals": {"parameters": CYCLE_ID + SESSION_ID, "post": staff_write(
        "propose_from_rating_session", "Proposals from a tallied rating session's signed tally",
        ref("RatingProposals"), tag="grading")},
    "/cycles/{cycle_id}/decisions": {"parameters": CYCLE_ID, "post": staff_write(
        "decide_rating", "Approve or override a proposal (the competent level only)", ref("Decision"),
        tag="grading", request=json_content(ref("DecisionCreate")), status="201",
        description="403 not_competent outside the competent level; 400 reason_required for an override "
                    "without a reason; 409 quota_exceeded unless quota_exception gives the reason.")},
    "/cycles/{cycle_id}/decisions/cancel": {"parameters": CYCLE_ID, "post": staff_write(
        "cancel_rating", "Cancel the current decision (with a reason) to re-grade", ref("Decision"),
        tag="grading", request=json_content(ref("DecisionCancel")), status="201")},
    "/cycles/{cycle_id}/export": {"parameters": CYCLE_ID, "get": {
        **operation("export_ratings", "The ratings as XLSX or CSV", tag="grading", security=STAFF_READ,
                    responses={"200": {"description": "The table", "content": {
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                        "text/csv": {}}}, **error_responses(400, 401, 403, 404)}),
        "parameters": [{"name": "format", "in": "query", "required": False,
                        "schema": {"enum": ["xlsx", "csv"], "default": "xlsx"}},
                       {"name": "unit", "in": "query", "required": False, "schema": {"type": "string"},
                        "description": "an organization code (default: the caller's or the cycle's)"}]}},
    "/hall-keys": {"post": staff_write(
        "pin_hall_key", "Pin a meeting hall installation's signing key", ref("HallKey"), tag="grading",
        request=json_content(ref("HallKeyCreate")), status="201")},
    "/cycles/{cycle_id}/hall-bundles": {"parameters": CYCLE_ID, "post": staff_write(
        "import_hall_bundle", "Proposals from a hall's public bundle, verified against its pinned key",
        ref("RatingProposals"), tag="grading", request=json_content(ref("HallBundleImport")),
        errors=(400, 401, 403, 404, 409, 422),
        description="Every check of `votingapp verify` must pass against the pinned key, or 422 "
                    "bundle_refused and nothing is imported; results are never re-typed.")},
})

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "votingapp API", "version": "1",
             "description": "Secret-ballot confidence votes. See docs/api.md for worked examples."},
    "servers": [{"url": "/api/v1"}],
    "security": STAFF_WRITE,
    "tags": [{"name": "voter"}, {"name": "organizations"}, {"name": "meetings"}, {"name": "sessions"},
             {"name": "public"}, {"name": "grading"}, {"name": "meta"}],
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "responses": RESPONSES,
        "securitySchemes": {
            "basicAuth": {"type": "http", "scheme": "basic",
                          "description": f"A staff account (roles {', '.join(ROLES)}); no CSRF token needed."},
            "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session",
                           "description": "The session cookie of a user logged in at /login."},
            "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                          "description": "With the cookie, every unsafe call carries the page's CSRF token "
                                         "(<meta name=\"csrf-token\">)."},
        },
    },
}


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(DOCUMENT)
