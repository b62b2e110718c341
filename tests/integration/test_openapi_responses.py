"""Real answers of every /api/v1 operation, from a real app running a whole vote and a rating
cycle, validate against the served OpenAPI document: the status is documented for the
operation, and the body matches the schema documented for that status."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from votingapp.crypto.encoding import b64decode, b64encode
from votingapp.crypto.verifiable.ballots import to_wire
from votingapp.crypto.verifiable.session import Session as VerifiableSession
from votingapp.crypto.verifiable.session import share_from_bytes
from votingapp.crypto.verifiable.tally import partial_decrypt
from votingapp.domain.grading import MEMBER
from votingapp.extensions import db
from votingapp.models import BallotSession
from votingapp.services import accounts, ballots, grading, meetings, publication, tallying, verifiable
from votingapp.services.accounts import API_TOKEN_PREFIX

from ..helpers import seal_choices, seal_verifiable

pytestmark = pytest.mark.sealed_scheme  # exercises sealed-v2 sessions: see tests/conftest.py


API = "/api/v1"
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


class Recorder:
    """Calls the API and checks each answer against the document at once."""

    def __init__(self, client, document, headers):
        self.client, self.document, self.headers = client, document, headers
        self.seen: dict[str, set[int]] = {}
        self.routes = [(re.compile("^" + re.sub(r"{\w+}", "[^/]+", path) + "$"), path)
                       for path in document["paths"]]

    def __call__(self, method: str, path: str, expect: int | None = None, **kwargs):
        response = self.client.open(API + path, method=method, headers=self.headers, **kwargs)
        if expect is not None:
            assert response.status_code == expect, (method, path, response.get_data(as_text=True)[:500])
        self.check(method, path.partition("?")[0], response)
        return response

    def check(self, method: str, path: str, response) -> None:
        template = next(template for pattern, template in self.routes if pattern.match(path))
        operation = self.document["paths"][template][method.lower()]
        status = str(response.status_code)
        assert status in operation["responses"], f"{method} {template}: {status} is not documented"
        self.seen.setdefault(operation["operationId"], set()).add(response.status_code)
        content = operation["responses"][status].get("content")
        if not content:
            assert not response.data, f"{method} {template} {status}: a body where none is documented"
            return
        assert response.mimetype in content, f"{method} {template} {status}: {response.mimetype} not documented"
        schema = content[response.mimetype].get("schema")
        if response.mimetype == "application/json" and schema:
            validator = Draft202012Validator({**schema, "components": self.document["components"]},
                                             format_checker=Draft202012Validator.FORMAT_CHECKER)
            errors = sorted(validator.iter_errors(json.loads(response.data)), key=lambda e: list(e.path))
            assert not errors, f"{method} {template} {status}: " + "; ".join(
                f"{list(e.path)}: {e.message[:200]}" for e in errors[:5])


@pytest.fixture
def document(client):
    return client.get(f"{API}/openapi.json").get_json()


def bearer(user) -> dict:
    _, token = accounts.create_api_token(user, "tests", by=user)
    assert token.startswith(API_TOKEN_PREFIX)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(client, document, make):
    """An installation-wide admin calling with a Bearer API token."""
    return Recorder(client, document, bearer(make.user(role="admin", organization=None)[0]))


def _upload(name: str) -> dict:
    return {"data": {"file": (io.BytesIO((SAMPLES / name).read_bytes()), name)},
            "content_type": "multipart/form-data"}


def run_a_vote(api, make) -> None:
    api("GET", "/openapi.json", 200)
    api("GET", "/organization-levels", 200)
    api("POST", "/organizations/import", 200, **_upload("organizations.csv"))
    api("POST", "/members/import", 200, **_upload("members.csv"))
    api("POST", "/organizations", 201, json={"code": "T-1", "name": "Tỉnh ủy Thử", "level": "tinh", "parent": None})
    api("GET", "/organizations", 200)
    api("GET", "/organizations/SL-01/members", 200)
    api("POST", "/members/DV00001/status", 200, json={"status": "probationary"})

    cell = make.organization()
    codes = [make.member(cell, code=f"T{i:02d}").code for i in range(4)]
    meeting = api("POST", "/meetings", 201, json={"organization": cell.code, "title": "Hội nghị",
                                                  "held_on": "2026-12-05", "place": "Hội trường"}).get_json()
    mid = meeting["id"]
    api("GET", "/meetings?limit=5", 200)
    api("PATCH", f"/meetings/{mid}", 200, json={"chair_name": "Nguyễn Văn A"})
    api("POST", f"/meetings/{mid}/attendance", 200, json={"present": codes[:3], "excluded": {"exempted": codes[3:]}})
    api("GET", f"/meetings/{mid}", 200)

    draft = api("POST", f"/meetings/{mid}/sessions", 201, json={"kind": "motion", "title": "Nghị quyết",
                                                                "motion": "Thông qua nghị quyết"}).get_json()
    api("DELETE", f"/sessions/{draft['id']}", 204)
    sid = api("POST", f"/meetings/{mid}/sessions", 201, json={"kind": "confidence", "title": "Tín nhiệm",
                                                              "subjects": codes[:2]}).get_json()["id"]
    api("POST", f"/sessions/{sid}/edit", 200, json={"title": "Lấy phiếu tín nhiệm"})
    api("GET", f"/sessions/{sid}/board", 409)
    opened = api("POST", f"/sessions/{sid}/open", 200).get_json()
    tokens = api("POST", f"/sessions/{sid}/tokens", 201, json={"count": 3}).get_json()["tokens"]
    form = type("Form", (), {"id": sid, "plaintext_size": opened["plaintext_size"], "scheme": opened["scheme"],
                             "public_key": b64decode(opened["public_key"])})
    for token in tokens[:2]:
        api("POST", "/ballot/lookup", 200, json={"token": token})
        ballot = seal_choices(form, {codes[0]: "tin-nhiem-cao", codes[1]: "tin-nhiem"})
        api("POST", "/ballot/cast", 201, json={"token": token, "ballot": ballot, "session": sid})
        api("POST", "/ballot/cast", 200, json={"token": token, "ballot": ballot, "session": sid})
    api("POST", "/ballot/lookup", 404, json={"token": "AAAA-BBBB-CCCC-DDDD-EEEE"})
    api("GET", f"/sessions/{sid}/progress", 200)
    api("GET", f"/sessions/{sid}/results", 409)
    api("POST", f"/sessions/{sid}/close", 200)
    api("GET", f"/sessions/{sid}/progress", 200)
    api("GET", f"/sessions/{sid}/board", 200)
    api("POST", f"/sessions/{sid}/tally", 200, json={"committee": ["Trần Thị B"]})
    api("GET", f"/sessions/{sid}/results", 200)
    api("GET", f"/sessions/{sid}/bundle", 200)
    api("GET", f"/sessions/{sid}", 200)

    checked = api("POST", f"/meetings/{mid}/sessions", 201, json={
        "kind": "confidence", "title": "Tín nhiệm (kiểm chứng được)", "subjects": codes[:2],
        "scheme": "verifiable-v1"}).get_json()["id"]
    api("POST", f"/sessions/{checked}/open", 200)
    token, = api("POST", f"/sessions/{checked}/tokens", 201, json={"count": 1}).get_json()["tokens"]
    api("POST", "/ballot/lookup", 200, json={"token": token})
    form = db.session.get(BallotSession, checked)
    spoiled = seal_verifiable(form, {codes[0]: "tin-nhiem", codes[1]: "tin-nhiem-thap"})
    api("POST", "/ballot/spoil", 200, json={"token": token, "ballot": to_wire(spoiled.ballot),
                                            "reveal": b64encode(spoiled.reveal), "session": checked})
    api("POST", "/ballot/spoil", 422, json={"token": token, "ballot": to_wire(spoiled.ballot),
                                            "reveal": b64encode(spoiled.reveal[::-1])})
    api("POST", "/ballot/cast", 422, json={"token": token, "ballot": to_wire(spoiled.ballot)})
    api("POST", "/ballot/cast", 201, json={"token": token, "ballot": seal_choices(form, {
        codes[0]: "tin-nhiem", codes[1]: "tin-nhiem-thap"})})
    api("POST", f"/sessions/{checked}/close", 200)
    api("GET", f"/sessions/{checked}/board", 200)
    api("GET", f"/sessions/{checked}/bundle", 200)

    committee = api("POST", f"/meetings/{mid}/sessions", 201, json={"kind": "confidence", "title": "Ban kiểm phiếu",
                                                                    "subjects": codes[:1]}).get_json()["id"]
    shares = api("POST", f"/sessions/{committee}/open", 200,
                 json={"custody": "committee", "threshold": 2, "holders": 3}).get_json()["shares"]
    assert len(shares) == 3
    api("POST", f"/sessions/{committee}/close", 200)
    api("POST", f"/sessions/{committee}/tally", 400)  # shares_needed
    run_a_verifiable_count(api, mid)


def run_a_verifiable_count(api, meeting_id: int) -> None:
    """verifiable-v1 under committee custody: two members' phones send their partials."""
    from votingapp.extensions import db
    from votingapp.models import Meeting
    sid = ballots.create_session(db.session.get(Meeting, meeting_id), kind="motion", title="Biểu quyết",
                                 subjects=[{"key": "motion", "name": "Thông qua"}], scheme=verifiable.SCHEME,
                                 by="test").id
    cards = api("POST", f"/sessions/{sid}/open", 200,
                json={"custody": "committee", "threshold": 2, "holders": 3}).get_json()["shares"]
    api("GET", f"/sessions/{sid}/decryption", 409)
    api("POST", f"/sessions/{sid}/close", 200)
    status = api("GET", f"/sessions/{sid}/decryption", 200).get_json()
    public = VerifiableSession.from_json(status["session"])
    sums = [(raw[i:i + 32], raw[i + 32:i + 64]) for raw in [b64decode(status["sums"])] for i in range(0, len(raw), 64)]
    api("POST", f"/sessions/{sid}/tally", 409)  # partials_needed
    for card in cards[:2]:
        share = share_from_bytes(public, verifiable.share_secret_from_words(card["share"]))
        partial = b64encode(partial_decrypt(public, share, sums))
        api("POST", f"/sessions/{sid}/partials", 422, json={"member": share.index % 3 + 1, "partial": partial})
        api("POST", f"/sessions/{sid}/partials", 201, json={"member": share.index, "partial": partial})
        api("POST", f"/sessions/{sid}/partials", 200, json={"member": share.index, "partial": partial})
    tally = api("POST", f"/sessions/{sid}/tally", 200).get_json()
    assert tally["decryption"]["members"] == [1, 2] and tally["scheme"] == verifiable.SCHEME
    api("POST", f"/sessions/{sid}/partials", 409, json={"member": 3, "partial": partial})  # already_tallied


def run_a_rating_cycle(api, make) -> None:
    tree = make.grading_tree(3, 1)
    cycle = api("POST", "/cycles", 201, json={"organization": "X-1", "year": 2025}).get_json()
    cid = cycle["id"]
    api("GET", f"/cycles/{cid}", 200)
    api("POST", f"/cycles/{cid}/open-votes", 201,
        json={"subject": "member:A00", "counts": {"HTXSNV": 1, "HTTNV": 2}, "base": 3})
    installation_wide, api.headers = api.headers, bearer(make.user(role="admin", organization=tree["commune"])[0])
    api("POST", f"/cycles/{cid}/decisions", 201, json={"subject": "member:A00"})  # the competent level only
    api("POST", f"/cycles/{cid}/decisions/cancel", 201, json={"subject": "member:A00", "reason": "Xem xét lại"})
    api.headers = installation_wide
    api("GET", f"/cycles/{cid}/subjects/member:A00", 200)
    exported = api("GET", f"/cycles/{cid}/export?format=csv", 200)
    api("GET", f"/cycles/{cid}/export", 200)
    api("POST", f"/cycles/{cid}/self-assessments/import", 200,
        data={"file": (io.BytesIO(exported.data), "ratings.csv")}, content_type="multipart/form-data")

    # a rating ballot counted here, and the same as a hall's public bundle
    from votingapp.extensions import db
    from votingapp.models import ReviewCycle
    cycle_row = db.session.get(ReviewCycle, cid)
    meeting = meetings.create_meeting(tree["a"], "Hội nghị", date(2025, 12, 5), by="test")
    meetings.set_attendance(meeting, [row.member_id for row in meeting.attendance], "present", by="test")
    subjects = [grading.subject_for(cycle_row, MEMBER, member=m) for m in tree["ma"][1:3]]
    session = grading.create_rating_session(cycle_row, meeting, subjects,
                                            by=make.user(role="chair", organization=tree["a"])[0])
    ballots.open_session(session, by="test")
    for code in ballots.issue_tokens(session, 3, mode="cli", by="test"):
        ballots.cast_ballot(code, seal_choices(session, {s.key: "httnv" for s in subjects}))
    ballots.close_session(session, by="test")
    tallying.tally_session(session, by="test")
    api("POST", f"/cycles/{cid}/sessions/{session.id}/proposals", 200)
    api("POST", "/hall-keys", 201, json={"name": "Hội trường xã", "public_key": b64encode(
        publication.signing_public_key())})
    api("POST", f"/cycles/{cid}/hall-bundles", 200,
        json={"hall": "Hội trường xã", "bundle": publication.public_bundle(session)})


def test_every_operation_answers_as_documented(api, make, document):
    run_a_vote(api, make)
    run_a_rating_cycle(api, make)
    documented = {operation["operationId"] for item in document["paths"].values()
                  for method, operation in item.items() if method in HTTP_METHODS}
    assert set(api.seen) == documented, f"not exercised: {sorted(documented - set(api.seen))}"
    assert all(any(200 <= status < 300 for status in statuses) for statuses in api.seen.values()), api.seen


def test_refusals_validate_as_the_error_envelope(api):
    api("POST", "/meetings", 400, json={"title": 5})
    api("POST", "/meetings", 400, data="{broken", content_type="application/json")
    api("GET", "/meetings/999999", 404)
    api("POST", "/ballot/cast", 400, json=[])
    api.headers = {}
    api("GET", "/organizations", 401)


def test_a_405_says_which_methods_the_address_takes(client):
    response = client.delete(f"{API}/meetings")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    error = response.get_json()["error"]
    assert error["code"] == "method_not_allowed" and error["message_vi"] != error["message"]


def test_validation_refusals_are_bilingual_and_name_the_field(api):
    for body, field in [({"organization": "X", "title": "T", "held_on": "2026-12-05", "room": "A"}, "room"),
                        ({"organization": "X", "title": "T", "held_on": "2026-02-31"}, "held_on"),
                        ({"organization": "X", "title": True, "held_on": "2026-12-05"}, "title")]:
        error = api("POST", "/meetings", 400, json=body).get_json()["error"]
        assert (error["code"], error["field"]) == ("invalid_input", field)
        assert f"'{field}'" in error["message_vi"] and error["message_vi"] != error["message"]
