"""The OpenAPI document is 3.1 JSON and describes exactly the routes the app serves.
test_openapi_responses.py checks real answers against it."""

import json
import re

import pytest

PREFIX = "/api/v1"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
VOTER_ERROR_CODES = ("unknown_token", "token_used", "token_void", "session_not_open", "malformed_ballot",
                     "wrong_scheme", "too_large", "wrong_session", "duplicate_ballot", "malformed_request")


@pytest.fixture
def document(client):
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def _openapi_path(rule: str) -> str:
    """Flask `/meetings/<int:meeting_id>` → OpenAPI `/meetings/{meeting_id}`, below the server URL."""
    return re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule.removeprefix(PREFIX))


def _served_operations(app) -> dict:
    return {(_openapi_path(rule.rule), method.lower()): rule.endpoint.rpartition(".")[2]
            for rule in app.url_map.iter_rules() if rule.rule.startswith(PREFIX + "/")
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def _documented_operations(document) -> dict:
    return {(path, method): operation["operationId"]
            for path, item in document["paths"].items()
            for method, operation in item.items() if method in HTTP_METHODS}


def test_document_is_openapi_3_1_with_the_api_prefix_as_server(document):
    assert re.fullmatch(r"3\.1\.\d+", document["openapi"])
    assert document["servers"] == [{"url": PREFIX}]
    assert document["info"]["title"] and document["info"]["version"]


def test_every_api_route_is_documented_and_nothing_else(app, document):
    served, documented = _served_operations(app), _documented_operations(document)
    assert set(served) - set(documented) == set(), "routes missing from openapi.py"
    assert set(documented) - set(served) == set(), "documented operations the app does not serve"


def test_each_operation_id_is_the_flask_endpoint_it_documents(app, document):
    assert _documented_operations(document) == _served_operations(app)


def test_every_path_parameter_is_declared(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            declared = {p["name"] for p in item.get("parameters", []) + operation.get("parameters", [])
                        if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), f"{method.upper()} {path}"


def _objects(node):
    """Every JSON object in the document, nested ones included."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def _refs(node):
    return (found["$ref"] for found in _objects(node) if "$ref" in found)


def test_every_reference_resolves(document):
    refs = set(_refs(document))
    assert refs, "the document uses no $ref at all"
    for ref in refs:
        node = document
        for part in ref.removeprefix("#/").split("/"):
            assert part in node, f"{ref} does not resolve"
            node = node[part]


def test_every_security_requirement_names_a_defined_scheme(document):
    schemes = document["components"]["securitySchemes"]
    requirements = list(document["security"]) + [
        requirement for item in document["paths"].values() for method, operation in item.items()
        if method in HTTP_METHODS for requirement in operation.get("security", [])]
    assert {name for requirement in requirements for name in requirement} == set(schemes)
    assert (schemes["basicAuth"]["type"], schemes["basicAuth"]["scheme"]) == ("http", "basic")


def test_voter_endpoints_need_no_credentials_and_list_their_error_codes(document):
    for path in ("/ballot/lookup", "/ballot/cast"):
        operation = document["paths"][path]["post"]
        assert operation["security"] == []
        for code in VOTER_ERROR_CODES:
            assert code in operation["description"], f"{code} not described for {path}"
    schemas = document["components"]["schemas"]
    detail = schemas["Error"]["properties"]["error"]["$ref"].rpartition("/")[2]
    error_codes = schemas[detail]["properties"]["code"]["enum"]
    assert set(VOTER_ERROR_CODES) <= set(error_codes)
    assert set(document["paths"]["/ballot/cast"]["post"]["responses"]) >= {"200", "201", "400", "404", "409", "413"}


def test_request_bodies_are_closed_so_a_typo_is_documented_as_an_error(document):
    """What the spec allows, the server takes: no field outside the model, as fields.parse refuses."""
    schemas = document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS or "requestBody" not in operation or operation["security"] == []:
                continue  # the voter contract's bodies ignore extra fields, and say so by being open
            for media, content in operation["requestBody"]["content"].items():
                if media == "application/json":
                    name = content["schema"]["$ref"].rpartition("/")[2]
                    assert schemas[name].get("additionalProperties") is False, f"{method.upper()} {path}: {name}"


def _all_ofs(node):
    return (part for found in _objects(node) for part in found.get("allOf", []))


def test_no_schema_extends_another_with_all_of(document):
    """allOf with closed parts made every real answer invalid (issue 10): models are flattened,
    and an allOf holds only conditions (if/then), never a part that names or closes properties."""
    for part in _all_ofs(document):
        assert set(part) <= {"if", "then", "else"}, part


def test_every_link_names_an_operation_and_its_path_parameters(document):
    operations = {operation["operationId"]: path for path, item in document["paths"].items()
                  for method, operation in item.items() if method in HTTP_METHODS}
    links = [link for item in document["paths"].values() for method, operation in item.items()
             if method in HTTP_METHODS for response in operation["responses"].values()
             for link in response.get("links", {}).values()]
    assert links
    for link in links:
        assert set(link["parameters"]) <= set(re.findall(r"{(\w+)}", operations[link["operationId"]])), link


def test_every_staff_operation_names_the_roles_its_gate_lets_through(document):
    """The roles come from the User abilities staff_api asks (docs/api.md, Roles and scope)."""
    roles = {(method.upper(), path): operation.get("x-roles") for path, item in document["paths"].items()
             for method, operation in item.items() if method in HTTP_METHODS}
    staff = {key for key, item in roles.items()
             if document["paths"][key[1]][key[0].lower()].get("security", document["security"]) != []}
    assert staff and all(roles[key] for key in staff), [key for key in staff if not roles[key]]
    assert all(roles[key] is None for key in set(roles) - staff)
    for item in document["paths"].values():
        for method, operation in item.items():
            if method in HTTP_METHODS and operation.get("x-roles"):
                assert f"Roles: {', '.join(operation['x-roles'])} (User." in operation["description"]
    assert roles[("POST", "/organizations")] == roles[("POST", "/cycles")] == roles[("POST", "/hall-keys")] \
        == roles[("POST", "/members/import")] == ["admin"]
    assert roles[("GET", "/meetings/{meeting_id}")] == roles[("GET", "/sessions/{session_id}/results")] \
        == ["admin", "chair", "auditor"]
    assert roles[("POST", "/meetings")] == roles[("GET", "/sessions/{session_id}")] == ["admin", "chair"]
