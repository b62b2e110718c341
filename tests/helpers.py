"""Factories (`make_<model>` style, on one object), the real-form login, the CSRF token of a
page, and `refused(code)` for services' refusals."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

from votingapp.crypto import sealed
from votingapp.crypto.verifiable import ballots as verifiable_ballots
from votingapp.domain import ballot_forms
from votingapp.extensions import db
from votingapp.models import BallotSession, Member, Organization
from votingapp.services import accounts, ballots, meetings, tallying, verifiable
from votingapp.services.errors import ServiceError

_counter = itertools.count(1)
PASSWORD = "correct horse battery"
CAST = "/api/v1/ballot/cast"


def parse_html(html: str) -> HTMLParser:
    """A page as a tree, so tests select elements instead of splitting strings."""
    return HTMLParser(html)


def element(html: str | HTMLParser, selector: str) -> Node:
    """The first element `selector` matches; the test fails (naming the selector) if none does."""
    tree = parse_html(html) if isinstance(html, str) else html
    node = tree.css_first(selector)
    assert node is not None, f"no element matches {selector!r}"
    return node


def csrf_token(html: str) -> str:
    """The CSRF token a page carries: its form field, or the meta tag htmx requests read."""
    tree = parse_html(html)
    node = tree.css_first('input[name="csrf_token"]') or tree.css_first('meta[name="csrf-token"]')
    assert node is not None, "page has no CSRF token"
    token = node.attributes.get("value") or node.attributes.get("content")
    assert token, "the page's CSRF token is empty"
    return token


def session_csrf_token(client) -> str:
    """The CSRF token of this browser session, read from the login page as a browser would."""
    return csrf_token(client.get("/login").get_data(as_text=True))


def login(client, username: str, password: str):
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": session_csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def post_form(client, url, data=None, **kwargs):
    """A POST as a page makes it: with the CSRF token of this browser session."""
    return client.post(url, data={"csrf_token": session_csrf_token(client), **(data or {})}, **kwargs)


@contextmanager
def refused(code: str, *, field: str | None = None) -> Iterator[pytest.ExceptionInfo[ServiceError]]:
    """Expect a ServiceError with this code (and, if given, this field): what clients branch
    on, rather than the English words, which may be reworded."""
    with pytest.raises(ServiceError) as caught:
        yield caught
    error = caught.value
    assert error.code == code, f"refused with {error.code!r} ({error.message_en}), expected {code!r}"
    if field is not None:
        assert error.extra.get("field") == field, f"refused naming {error.extra.get('field')!r}, expected {field!r}"


class Factory:
    def organization(self, code=None, name=None, level="chi-bo", parent=None) -> Organization:
        n = next(_counter)
        return meetings.create_organization(code or f"ORG-{n}", name or f"Chi bộ số {n}", level, parent)

    def member(self, organization=None, code=None, full_name=None, post="", is_leader=False,
               status="official") -> Member:
        n = next(_counter)
        member = Member(code=code or f"DV{n:05d}", full_name=full_name or f"Nguyễn Văn Thử {n}",
                        organization=organization or self.organization(), post=post, is_leader=is_leader,
                        status=status)
        db.session.add(member)
        db.session.commit()
        return member

    def user(self, role="chair", organization=None, username=None, password=PASSWORD):
        user = accounts.create_user(username or f"{role}{next(_counter)}", password, role, organization)
        return user, password

    def meeting(self, members=5, present=None, organization=None, title="Hội nghị kiểm điểm năm 2026",
                probationary=0, excluded=0):
        """A meeting of a fresh cell with `members` members, the first `present` of them present;
        the last `probationary` are probationary, and the last `excluded` absent members are
        excluded from the base (suspended)."""
        organization = organization or self.organization()
        people = [self.member(organization, post="Bí thư chi bộ" if i == 0 else "", is_leader=i < 2,
                              status="probationary" if i >= members - probationary else "official")
                  for i in range(members)]
        meeting = meetings.create_meeting(organization, title, date(2026, 12, 5), by="test")
        present = members if present is None else present
        assert present + excluded <= members
        meetings.set_attendance(meeting, [p.id for p in people[:present]], "present", by="test")
        if excluded:
            meetings.set_attendance(meeting, [p.id for p in people[members - excluded:]], "excluded", "suspended",
                                    by="test")
        return meeting

    def grading_tree(self, cell_a_members: int, cell_b_members: int, leader_in_a: bool = False) -> dict:
        """district (huyện) → commune (cơ sở, X-1) → cells CB-A and CB-B with members A00…, B00…"""
        district = self.organization(code="H-1", name="Huyện ủy Thử", level="huyen")
        commune = self.organization(code="X-1", name="Đảng ủy xã Thử", level="co-so", parent=district)
        cell_a = self.organization(code="CB-A", name="Chi bộ A", parent=commune)
        cell_b = self.organization(code="CB-B", name="Chi bộ B", parent=commune)
        members_a = [self.member(cell_a, code=f"A{i:02d}", post="Bí thư" if leader_in_a and i == 0 else "",
                                 is_leader=leader_in_a and i == 0) for i in range(cell_a_members)]
        members_b = [self.member(cell_b, code=f"B{i:02d}") for i in range(cell_b_members)]
        return {"district": district, "commune": commune, "a": cell_a, "b": cell_b, "ma": members_a, "mb": members_b}

    def session(self, meeting=None, kind=ballot_forms.CONFIDENCE, subjects=2, title="Lấy phiếu tín nhiệm", **kw):
        meeting = meeting or self.meeting()
        people = [row.member for row in meeting.attendance][:subjects]
        subject_list = (ballots.member_subjects(people) if kind in ballot_forms.PERSON_KINDS
                        else [{"key": "motion", "name": title}])
        return ballots.create_session(meeting, kind=kind, title=title, subjects=subject_list, by="test", **kw)

    def open_session(self, scheme=None, **kw):
        """An open session; `scheme="sealed-v1"` makes one as it was created before sealed-v2."""
        session = self.session(**kw)
        if scheme is not None:
            session.scheme = scheme
            db.session.commit()
        ballots.open_session(session, by="test")
        return session

    def cast(self, session: BallotSession, marks: Sequence[dict | Sequence[str]] | None = None, *,
             extra_wire: Sequence[dict] = (), client=None) -> list[str]:
        """Cast one ballot per entry of `marks`, each with a token of its own, and then the ready-made
        wire ballots of `extra_wire`; returns the receipts. An entry is {subject key: option} or
        the options in subject order; the default is one ballot with the first option for every
        subject. Through the voter API when a `client` is given, else through the service."""
        keys = [subject.key for subject in session.subjects]
        if marks is None:
            marks = [[ballot_forms.option_ids(session.kind)[0]] * len(keys)]
        wires = [seal_choices(session, row if isinstance(row, dict) else dict(zip(keys, row, strict=True)))
                 for row in marks] + list(extra_wire)
        if not wires:
            return []
        receipts = []
        for token, wire in zip(ballots.issue_tokens(session, len(wires), mode="api", by="test"), wires, strict=True):
            if client is None:
                receipts.append(ballots.cast_ballot(token, wire)[0])
            else:
                answer = client.post(CAST, json={"token": token, "ballot": wire})
                assert answer.status_code == 201, answer.get_data(as_text=True)
                receipts.append(answer.get_json()["receipt"])
        return receipts

    def voted_session(self, marks: Sequence[dict | Sequence[str]] | None = None, *, client=None,
                      extra_wire: Sequence[dict] = (), **session_options) -> BallotSession:
        """An open session (`session_options` as for open_session) with `marks` cast, see cast()."""
        session = self.open_session(**session_options)
        self.cast(session, marks, extra_wire=extra_wire, client=client)
        return session

    def tallied_session(self, marks: Sequence[dict | Sequence[str]] | None = None, *, session=None, client=None,
                        extra_wire: Sequence[dict] = (), committee: Sequence[str] = (),
                        **session_options) -> BallotSession:
        """A session that went the whole real way: opened, `marks` cast (see cast()), closed and
        tallied, `committee` signing. Pass a `session` made beforehand to vote in it (a draft is
        opened first); `marks=[]` casts nothing."""
        if session is None:
            session = self.voted_session(marks, client=client, extra_wire=extra_wire, **session_options)
        else:
            if not session.is_open:
                ballots.open_session(session, by="test")
            self.cast(session, marks, extra_wire=extra_wire, client=client)
        ballots.close_session(session, by="test")
        tallying.tally_session(session, by="test", committee=list(committee))
        return session


def seal_verifiable(session, choices: dict | None, *, rng=None):
    """A verifiable-v1 ballot (crypto.verifiable SealedBallot: ballot bytes and reveal) for
    `choices` {subject key: option id}, one per subject; None or {} seals a blank ballot."""
    public = verifiable.crypto_session(session)
    indices = [public.options.index(choices[key]) for key in public.subjects] if choices else None
    return verifiable_ballots.seal_ballot(public, indices, rng)


def seal_choices(session, choices: dict, *, session_id=None, pad_to=None) -> dict:
    """A wire-form ballot for `choices`, sealed as a phone would, under the session's scheme
    (a verifiable-v1 ballot marks exactly one option per subject, or none: blank)."""
    if session.scheme == verifiable.SCHEME:
        assert session_id is None and pad_to is None, "a verifiable-v1 ballot has no plaintext to tamper with"
        return verifiable_ballots.to_wire(seal_verifiable(session, choices).ballot)
    sid = session_id or session.id
    size = pad_to or session.plaintext_size
    plaintext = sealed.pad_plaintext({"v": 1, "session": sid, "choices": choices}, size)
    return sealed.seal(plaintext, sid, session.public_key, scheme=session.scheme).to_dict()


def seal_raw(session, plaintext: bytes) -> dict:
    return sealed.seal(plaintext, session.id, session.public_key, scheme=session.scheme).to_dict()
