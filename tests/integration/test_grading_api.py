"""The yearly rating over the JSON API: cycle create, open-vote entry, decide (and refusals),
cancel, export and import back, pin a hall key."""

from __future__ import annotations

import io

import pytest

API = "/api/v1"


@pytest.fixture
def world(make):
    commune = make.organization(code="X-1", name="Đảng ủy xã", level="co-so")
    cell = make.organization(code="CB-A", name="Chi bộ A", parent=commune)
    for i in range(3):
        make.member(cell, code=f"A{i:02d}")
    admin, password = make.user(role="admin", organization=commune, username="xa")
    make.user(role="chair", organization=cell, username="chi-bo")
    return {"admin": ("xa", password), "chair": ("chi-bo", password)}


def call(client, method, path, auth, **kwargs):
    return client.open(API + path, method=method, auth=auth, **kwargs)


def make_cycle(client, world):
    response = call(client, "POST", "/cycles", world["admin"], json={"organization": "X-1", "year": 2025})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_cycle_create_takes_the_default_policy_and_deadlines(client, world):
    cycle = make_cycle(client, world)
    assert cycle["policy"]["name"] == "366-2025" and cycle["policy"]["quota_rounding"] == "floor"
    assert cycle["deadlines"] == {"co-so": "2025-12-10", "huyen": "2025-12-25"}
    progress = call(client, "GET", f"/cycles/{cycle['id']}", world["chair"]).get_json()["progress"]
    assert progress["organization"]["code"] == "CB-A" and progress["total"]["rated"] == 3


def test_a_chair_cannot_open_a_cycle(client, world):
    response = call(client, "POST", "/cycles", world["chair"], json={"organization": "CB-A", "year": 2025})
    assert response.status_code == 403


def test_open_vote_then_decision_by_the_competent_level_only(client, world):
    cycle = make_cycle(client, world)
    vote = call(client, "POST", f"/cycles/{cycle['id']}/open-votes", world["chair"],
                json={"subject": "member:A00", "counts": {"HTXSNV": 4, "HTTNV": 3, "HTNV": 2, "KHTNV": 1},
                      "base": 10})
    assert vote.status_code == 201 and vote.get_json()["level"] == "HTTNV"
    refused = call(client, "POST", f"/cycles/{cycle['id']}/decisions", world["chair"], json={"subject": "member:A00"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "not_competent"
    no_reason = call(client, "POST", f"/cycles/{cycle['id']}/decisions", world["admin"],
                     json={"subject": "member:A00", "level": "HTNV"})
    assert no_reason.status_code == 400 and no_reason.get_json()["error"]["code"] == "reason_required"
    approved = call(client, "POST", f"/cycles/{cycle['id']}/decisions", world["admin"], json={"subject": "member:A00"})
    assert approved.status_code == 201 and approved.get_json()["action"] == "approve"
    cancelled = call(client, "POST", f"/cycles/{cycle['id']}/decisions/cancel", world["admin"],
                     json={"subject": "member:A00", "reason": "Xem xét lại"})
    assert cancelled.status_code == 201
    subject = call(client, "GET", f"/cycles/{cycle['id']}/subjects/member:A00", world["admin"]).get_json()
    assert [d["action"] for d in subject["history"]] == ["approve", "cancel"] and subject["decision"] is None
    assert subject["explained"]["votes"] == "7/10 phiếu từ mức Tốt trở lên (> 1/2) → Hoàn thành tốt nhiệm vụ"


def test_export_over_the_api_imports_back(client, world):
    cycle = make_cycle(client, world)
    call(client, "POST", f"/cycles/{cycle['id']}/open-votes", world["chair"],
         json={"subject": "member:A01", "counts": {"HTTNV": 2}, "base": 3})
    exported = call(client, "GET", f"/cycles/{cycle['id']}/export?format=csv", world["admin"])
    assert exported.status_code == 200 and exported.mimetype == "text/csv"

    imported = call(client, "POST", f"/cycles/{cycle['id']}/self-assessments/import", world["admin"],
                    data={"file": (io.BytesIO(exported.data), "ratings.csv")})
    assert imported.status_code == 200, imported.get_json()
    again = call(client, "GET", f"/cycles/{cycle['id']}/export?format=csv", world["admin"])
    assert again.data == exported.data


def test_bad_input_gets_a_bilingual_400(client, world):
    cycle = make_cycle(client, world)
    response = call(client, "POST", f"/cycles/{cycle['id']}/open-votes", world["chair"],
                    json={"subject": "member:A00", "counts": {"HTTNV": "many"}, "base": 3})
    error = response.get_json()["error"]
    assert response.status_code == 400 and error["field"] == "counts" and error["message_vi"]
    unknown = call(client, "POST", f"/cycles/{cycle['id']}/open-votes", world["chair"],
                   json={"subject": "member:NOPE", "counts": {}, "base": 3})
    assert unknown.status_code == 404


def test_pin_hall_key_refuses_a_key_that_is_not_32_bytes(client, world):
    response = call(client, "POST", "/hall-keys", world["admin"], json={"name": "Hội trường", "public_key": "abcd"})
    assert response.status_code == 400
