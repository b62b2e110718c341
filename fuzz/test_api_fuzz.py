"""schemathesis against the real app (WSGI, SQLite): every operation of the served OpenAPI
document with generated requests, schema-valid and not. Run by scripts/fuzz-api, not by the
normal suite (testpaths is tests/). It fails on any 5xx, an answer (status, content type,
headers, body) the document does not describe, a 405 without Allow, or a request the
document refuses that the server takes.

Path parameters are swapped for objects that exist (a meeting, sessions in each state, a
review cycle and its subjects), so the bodies reach the views instead of a 404.
"""

from __future__ import annotations

import collections
import itertools
import os
import sqlite3
import tempfile
from datetime import date

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               response_headers_conformance, response_schema_conformance,
                                               status_code_conformance, unsupported_method)

from tests.conftest import app_config
from tests.helpers import Factory
from votingapp import create_app
from votingapp.extensions import db
from votingapp.services import accounts, ballots, grading, meetings

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection, unsupported_method]

_folder = tempfile.mkdtemp(prefix="votingapp-fuzz-")
os.environ["VOTINGAPP_INSTANCE"] = os.path.join(_folder, "instance")
_DATABASE = os.path.join(_folder, "fuzz.db")
app = create_app(app_config(f"sqlite:///{_DATABASE}", VOTER_RATE_LIMIT="1000000/minute"))


def _seed() -> tuple[str, dict[str, list]]:
    """An installation-wide admin's API token, and objects for each kind of path parameter."""
    make = Factory()
    admin, _ = make.user(role="admin", organization=None, username="fuzz-admin")
    _, token = accounts.create_api_token(admin, "fuzz", by=admin)
    tree = make.grading_tree(3, 1)
    meeting = meetings.create_meeting(tree["a"], "Hội nghị", date(2026, 12, 5), by=admin)
    meetings.set_attendance(meeting, [row.member_id for row in meeting.attendance], "present", by=admin)
    states = []
    for step in range(4):  # draft, open, closed, tallied
        session = make.session(meeting=meeting, subjects=2)
        if step >= 1:
            ballots.open_session(session, by=admin)
            ballots.issue_tokens(session, 1, mode="api", by=admin)
        if step >= 2:
            ballots.close_session(session, by=admin)
        if step >= 3:
            from votingapp.services import tallying
            tallying.tally_session(session, by=admin)
        states.append(session.id)
    cycle = grading.create_cycle(tree["commune"], 2025, by=admin)
    return token, {"meeting_id": [meeting.id], "session_id": states, "cycle_id": [cycle.id],
                   "code": ["CB-A", "X-1"], "member_code": ["A00", "B00"], "key": ["member:A01", "collective:CB-A"]}


with app.app_context():
    db.create_all()
    TOKEN, EXISTING = _seed()
    db.session.remove()
    db.engine.dispose()
#: the seeded database, in memory: each stateful scenario starts from it (Workflow.setup)
SEEDED = sqlite3.connect(":memory:")
with sqlite3.connect(_DATABASE) as _source:
    _source.backup(SEEDED)
_source.close()

_next = {name: itertools.cycle(values) for name, values in EXISTING.items()}
#: (operation, status class) → cases, printed by fuzz/conftest.py
STATUSES: collections.Counter = collections.Counter()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


#: the WSGI transport hands schemathesis the body as sent, without undoing Content-Encoding as
#: an HTTP client would, so the app is asked not to compress (compression has its own tests)
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Accept-Encoding": "identity"}


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api(case):
    path_mutated = case.meta is not None and any(
        location.value == "path" and info.mode.is_negative for location, info in case.meta.components.items())
    for name in list(case.path_parameters or {}):
        if name in _next and not path_mutated:
            case.path_parameters[name] = next(_next[name])
    response = case.call_and_validate(headers=HEADERS, checks=CHECKS)
    if case.method.upper() == case.operation.method.upper():  # not a probe of a method the path lacks
        STATUSES[(f"{case.method} {case.path}", f"{response.status_code // 100}xx")] += 1


class Workflow(schema.as_state_machine()):
    """Stateful: follows the document's links (a created meeting's id to its sessions, a session
    through open, tokens, close, tally and results), with the same checks."""

    def setup(self):
        """Each scenario starts from the seeded database. Hypothesis replays a scenario's choices
        and expects the same draws; when the answers (and with them the links' bundles) depended
        on what earlier scenarios had stored, they did not (FlakyStrategyDefinition)."""
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        target = sqlite3.connect(_DATABASE)
        try:
            SEEDED.backup(target)
        finally:
            target.close()

    def before_call(self, case):
        """A schema-valid meeting or cycle is made in a cell that exists, so the links from it
        lead somewhere (a random organization code is a 400)."""
        positive = case.meta is None or case.meta.generation.mode.is_positive
        if positive and isinstance(case.body, dict) and isinstance(case.body.get("organization"), str):
            case.body["organization"] = "CB-A"

    def get_call_kwargs(self, case):
        return {"headers": HEADERS}

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        case.validate_response(response, checks=CHECKS, headers=kwargs.get("headers"))
        STATUSES[(f"(stateful) {case.method} {case.path}", f"{response.status_code // 100}xx")] += 1


TestWorkflow = Workflow.TestCase
TestWorkflow.settings = settings(max_examples=max(MAX_EXAMPLES // 5, 5), stateful_step_count=8, deadline=None,
                                 derandomize=True, suppress_health_check=list(HealthCheck))
