"""Factories (`make_<model>` style, on one object) and the real-form login helper."""

from __future__ import annotations

import itertools
import re
from datetime import date

from votingapp.crypto import sealed
from votingapp.domain import forms
from votingapp.extensions import db
from votingapp.models import Member, Organization
from votingapp.services import accounts, ballots, meetings

_counter = itertools.count(1)
PASSWORD = "correct horse battery"


def login(client, username: str, password: str):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def post_form(client, url, data=None, **kwargs):
    """A POST as a page makes it: with the CSRF token of this browser session."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


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

    def session(self, meeting=None, kind=forms.CONFIDENCE, subjects=2, title="Lấy phiếu tín nhiệm", **kw):
        meeting = meeting or self.meeting()
        people = [row.member for row in meeting.attendance][:subjects]
        subject_list = ballots.member_subjects(people) if kind in forms.PERSON_KINDS else [{"key": "motion", "name": title}]
        return ballots.create_session(meeting, kind=kind, title=title, subjects=subject_list, by="test", **kw)

    def open_session(self, scheme=None, **kw):
        """An open session; `scheme="sealed-v1"` makes one as it was created before sealed-v2."""
        session = self.session(**kw)
        if scheme is not None:
            session.scheme = scheme
            db.session.commit()
        ballots.open_session(session, by="test")
        return session


def seal_choices(session, choices: dict, *, session_id=None, pad_to=None) -> dict:
    """A wire-form ballot for `choices`, sealed as a phone would, under the session's scheme."""
    sid = session_id or session.id
    size = pad_to or session.plaintext_size
    plaintext = sealed.pad_plaintext({"v": 1, "session": sid, "choices": choices}, size)
    return sealed.seal(plaintext, sid, session.public_key, scheme=session.scheme).to_dict()


def seal_raw(session, plaintext: bytes) -> dict:
    return sealed.seal(plaintext, session.id, session.public_key, scheme=session.scheme).to_dict()
