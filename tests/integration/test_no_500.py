"""Inputs that once gave a 500: deep JSON, ids too large for any column."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("depth", [1000, 30_000, 150_000])  # 30 000 deep fits the voter cap
def test_deeply_nested_json_to_a_voter_endpoint_is_a_400(client, depth):
    body = "[" * depth + "]" * depth
    answer = client.post("/api/v1/ballot/lookup", data=body, content_type="application/json")
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "malformed_request"


@pytest.mark.parametrize("path", ["/chair/meetings/{id}", "/api/v1/meetings/{id}", "/chair/organizations/{id}"])
def test_an_id_past_any_column_is_a_404(client, chair, path):
    answer = client.get(path.format(id=2**31), headers={"Accept": "application/json"})
    assert answer.status_code == 404
    assert client.get(path.format(id=2**31 - 1)).status_code == 404  # the largest id: not found, no overflow


def test_an_id_past_any_column_is_no_405_for_another_method_of_the_path(client):
    """The route matches for every method, so PATCH is refused like GET (401 here), not a 405."""
    for method in ("GET", "PATCH"):
        answer = client.open(f"/api/v1/meetings/{2**31}", method=method, json={})
        assert answer.status_code in (401, 404), (method, answer.status_code)
