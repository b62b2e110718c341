"""Counting-committee key custody (k-of-n) end to end: the service, the chair's pages and the
API. Opening hands the shares out once and stores nothing of the key; the tally needs k of
them; missing or wrong shares change nothing; the system key works as before."""

from __future__ import annotations

import io
import logging
from collections import Counter

import pypdf
import pytest

from votingapp.crypto import sealed
from votingapp.crypto.shares import combine_shares
from votingapp.extensions import db
from votingapp.models import ActivityEvent, BallotSession
from votingapp.models.ballots import IllegalTransition
from votingapp.services import ballots, tallying

from ..helpers import post_form as post
from ..helpers import refused, seal_choices
from .test_secrecy import _all_rows_as_text

pytestmark = pytest.mark.sealed_scheme  # new sessions sealed-v2 here: see tests/conftest.py

HIGH, MID, LOW = "tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap"
#: what three voters mark on two subjects
MARKS = [(HIGH, LOW), (HIGH, MID), (MID, LOW)]


def reload(session) -> BallotSession:
    db.session.expire_all()
    return db.session.get(BallotSession, session.id)


def vote_and_close(client, session) -> list[dict]:
    """Three ballots cast over the voter API, then close; returns the choices cast."""
    keys = [subject.key for subject in session.subjects]
    cast = [dict(zip(keys, marks, strict=True)) for marks in MARKS]
    for token, choices in zip(ballots.issue_tokens(session, len(cast), mode="cli", by="test"), cast, strict=True):
        response = client.post("/api/v1/ballot/cast", json={"token": token, "ballot": seal_choices(session, choices)})
        assert response.status_code == 201
    ballots.close_session(reload(session), by="test")
    return cast


def assert_counts_match(document: dict, cast: list[dict]) -> None:
    assert document["ballots"]["received"] == len(cast) and document["ballots"]["invalid"] == 0
    for subject in document["subjects"]:
        expected = Counter(choices[subject["id"]] for choices in cast)
        assert {option: n for option, n in subject["counts"].items() if n} == dict(expected)


def share_fragments(shares) -> list[str]:
    """Each share whole, and every run of four of its words: none may be stored or logged."""
    found = []
    for share in shares:
        words = share.split()
        found += [share] + [" ".join(words[i:i + 4]) for i in range(len(words) - 3)]
    return found


# --- the service ------------------------------------------------------------------------------

def test_a_committee_key_is_split_and_nothing_of_it_is_stored_or_logged(client, db, make, caplog):
    caplog.set_level(logging.DEBUG)
    session = make.session()
    handed_out = ballots.open_session(session, by="test", custody="committee", threshold=2, holders=3,
                                      names=["Nguyễn Thị Hoa", "Trần Văn Bình"])
    assert [(share.number, share.holder) for share in handed_out] == [(1, "Nguyễn Thị Hoa"), (2, "Trần Văn Bình"),
                                                                       (3, "")]
    session = reload(session)
    assert (session.key_custody, session.share_threshold, session.share_count) == ("committee", 2, 3)
    assert session.wrapped_private_key is None and session.state == "open"

    shares = [share.words for share in handed_out]
    raw = combine_shares(shares[:2])
    assert sealed.public_key_bytes(sealed.private_key_from_bytes(raw).public_key()) == session.public_key
    cast = vote_and_close(client, session)
    tallying.tally_session(reload(session), by="test", shares=[shares[2], shares[0]])

    stored = _all_rows_as_text(db)
    logs = "\n".join(record.getMessage() for record in caplog.records)
    for place in (stored, logs):
        assert not any(fragment in place for fragment in share_fragments(shares))
        assert raw.hex() not in place and repr(raw)[2:-1] not in place
    assert_counts_match(reload(session).tally.document, cast)
    opened = db.session.query(ActivityEvent).filter_by(action="open_session").one()
    assert opened.details == {"custody": "committee", "threshold": 2, "holders": 3,
                              "names": ["Nguyễn Thị Hoa", "Trần Văn Bình"]}


def test_without_k_right_shares_the_tally_refuses_and_the_session_stays_closed(client, make):
    session = make.session()
    shares = [share.words for share in ballots.open_session(session, by="test", custody="committee",
                                                            threshold=3, holders=5)]
    other = make.session()
    foreign = [share.words for share in ballots.open_session(other, by="test", custody="committee",
                                                             threshold=3, holders=5)]
    cast = vote_and_close(client, session)
    changed = shares[1].split()
    changed[10] = "academic" if changed[10] != "academic" else "acid"
    attempts = {
        "shares_needed": [None, [], ["", "  "]],
        "wrong_shares": [shares[:2], [shares[0], shares[0], shares[1]], [shares[0], " ".join(changed), shares[2]],
                         [shares[0], shares[1], foreign[2]], foreign[:3]],
    }
    for code, tries in attempts.items():
        for given in tries:
            with refused(code) as caught:
                tallying.tally_session(reload(session), by="test", committee=["Hoa"], shares=given)
            assert 400 <= caught.value.status < 500
            db.session.commit()  # whatever is committed next must not carry a half-made tally
            fresh = reload(session)
            assert fresh.state == "closed" and fresh.tally is None
    with refused("wrong_shares"):
        tallying.tally_session(reload(session), by="test", shares=foreign[:3])

    tallying.tally_session(reload(session), by="test", committee=["Hoa"], shares=shares[2:])  # 3 of 5, one extra
    assert_counts_match(reload(session).tally.document, cast)
    assert reload(session).tally.document["committee"] == ["Hoa"]


def test_session_private_key_takes_the_shares_for_an_auditor_bundle_too(make):
    session = make.session()
    shares = [share.words for share in ballots.open_session(session, by="test", custody="committee")]
    key = ballots.session_private_key(session, shares=shares[1:])
    assert sealed.public_key_bytes(key.public_key()) == session.public_key
    with refused("shares_needed"):
        ballots.session_private_key(session)
    system = make.open_session()
    assert sealed.public_key_bytes(ballots.session_private_key(system).public_key()) == system.public_key
    with refused("invalid_input"):
        ballots.session_private_key(system, shares=shares[:2])


@pytest.mark.parametrize("options", [
    {"threshold": 1, "holders": 3}, {"threshold": 4, "holders": 3}, {"threshold": 2, "holders": 10},
    {"names": ["A", "B", "C", "D"]}, {"names": ["x" * 121]}, {"custody": "chair"},
])
def test_a_bad_split_is_refused_before_anything_changes(make, options):
    session = make.session()
    with refused("invalid_input"):
        ballots.open_session(session, by="test", **{"custody": "committee", **options})
    fresh = reload(session)
    assert fresh.state == "draft" and fresh.public_key is None


def test_if_the_cards_cannot_be_made_the_session_stays_a_draft_with_no_key(make):
    session = make.session()

    def printer_fails(shares):
        raise OSError("font file missing")

    with pytest.raises(OSError):
        ballots.open_session(session, by="test", custody="committee", hand_out=printer_fails)
    db.session.rollback()
    fresh = reload(session)
    assert fresh.state == "draft" and fresh.public_key is None and fresh.key_custody == "system"


def test_a_session_opens_once_so_its_shares_are_handed_out_once(make):
    session = make.session()
    ballots.open_session(session, by="test", custody="committee")
    first_key = reload(session).public_key
    for custody in ("committee", "system"):
        with pytest.raises(IllegalTransition):
            ballots.open_session(reload(session), by="test", custody=custody)
    assert reload(session).public_key == first_key


# --- the chair's pages ------------------------------------------------------------------------




def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def test_the_chair_opens_with_a_committee_key_prints_the_cards_once_and_tallies_with_k_shares(client, chair, make):
    session = make.session()
    url = f"/chair/sessions/{session.id}"
    draft = client.get(url).get_data(as_text=True)
    assert "Open with a counting-committee key" in draft and 'name="threshold"' in draft

    opened = post(client, f"{url}/open/committee", {"threshold": "2", "holders": "3",
                                                     "names": "Nguyễn Thị Hoa\r\nTrần Văn Bình\r\nLê Văn Cường"})
    assert opened.status_code == 200 and opened.mimetype == "application/pdf", opened.get_data(as_text=True)
    assert opened.headers["Cache-Control"] == "no-store" and "attachment" in opened.headers["Content-Disposition"]
    pages = pdf_pages(opened.data)
    assert len(pages) == 3
    names = ["Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Văn Cường"]
    for number, (page, name) in enumerate(zip(pages, names, strict=True), start=1):
        assert f"Mảnh khóa {number}/3 — cần 2 mảnh để kiểm phiếu" in page and name in page
        assert session.title in page
    shares = pages  # a whole card's text, pasted, is a share: its header lines are dropped

    again = post(client, f"{url}/open/committee", {"threshold": "2", "holders": "3"})
    assert again.status_code == 409 and again.mimetype != "application/pdf"
    assert "%PDF" not in again.get_data(as_text=True)
    session = reload(session)
    assert session.state == "open" and session.wrapped_private_key is None
    assert "The counting committee holds the key: counting needs 2 of the 3 share cards." in \
        client.get(url).get_data(as_text=True)
    cast = vote_and_close(client, session)

    closed = client.get(url).get_data(as_text=True)
    assert closed.count('name="share"') == 2 and "any 2 of the 3 committee cards" in closed
    tally = f"{url}/tally"
    assert post(client, tally, {"committee": ["Hoa"]}).status_code == 400
    assert post(client, tally, {"share": [shares[0], shares[0]]}).status_code == 400
    assert post(client, tally, {"share": [shares[0]]}).status_code == 400
    assert reload(session).state == "closed"
    counted = post(client, tally, {"share": [shares[2], shares[1]],
                                   "committee": ["Nguyễn Thị Hoa", "Trần Văn Bình", ""]})
    assert counted.status_code == 302 and counted.headers["Location"].endswith("/results")
    document = reload(session).tally.document
    assert_counts_match(document, cast)
    assert document["committee"] == ["Nguyễn Thị Hoa", "Trần Văn Bình"]


def test_a_refused_committee_open_shows_why_and_leaves_a_draft(client, chair, make):
    session = make.session()
    url = f"/chair/sessions/{session.id}/open/committee"
    refused = post(client, url, {"threshold": "4", "holders": "3"}, headers={"Accept": "application/json"})
    assert refused.status_code == 400 and "2 ≤ k ≤ n ≤ 9" in refused.get_json()["error"]["message"]
    assert post(client, url, {"threshold": "two", "holders": "3"}).status_code == 400
    assert reload(session).state == "draft"


def test_the_system_key_page_flow_is_unchanged(client, chair, make):
    session = make.session()
    url = f"/chair/sessions/{session.id}"
    assert post(client, f"{url}/open").status_code == 302
    session = reload(session)
    assert session.key_custody == "system" and session.wrapped_private_key is not None
    cast = vote_and_close(client, session)
    closed = client.get(url).get_data(as_text=True)
    assert 'name="share"' not in closed and 'name="committee"' in closed
    assert post(client, f"{url}/tally").status_code == 302
    assert_counts_match(reload(session).tally.document, cast)


# --- the API ----------------------------------------------------------------------------------

@pytest.fixture
def auth(make):
    user, password = make.user(role="admin")
    return user.username, password


def api(client, auth, path, body=None):
    return client.post(f"/api/v1{path}", auth=auth, **({"json": body} if body is not None else {}))


def test_the_api_opens_with_a_committee_key_returns_the_shares_once_and_tallies_with_them(client, make, auth):
    session = make.session()
    opened = api(client, auth, f"/sessions/{session.id}/open",
                 {"custody": "committee", "threshold": 2, "holders": 3, "names": ["Hoa", "Bình"]})
    assert opened.status_code == 200, opened.get_data(as_text=True)
    assert opened.headers["Cache-Control"] == "no-store"
    body = opened.get_json()
    assert (body["key_custody"], body["share_threshold"], body["share_count"]) == ("committee", 2, 3)
    assert [(s["number"], s["holder"]) for s in body["shares"]] == [(1, "Hoa"), (2, "Bình"), (3, "")]
    shares = [s["share"] for s in body["shares"]]
    again = api(client, auth, f"/sessions/{session.id}/open", {"custody": "committee"})
    assert again.status_code == 409 and "shares" not in again.get_data(as_text=True)
    assert "shares" not in client.get(f"/api/v1/sessions/{session.id}", auth=auth).get_json()

    cast = vote_and_close(client, reload(session))
    path = f"/sessions/{session.id}/tally"
    for given, code in ((None, "shares_needed"), ({"shares": shares[:1]}, "wrong_shares"),
                        ({"shares": [shares[0], shares[1].replace(shares[1].split()[4], "zebra", 1)]}, "wrong_shares"),
                        ({"shares": "all of them"}, "invalid_input"), ({"keys": shares}, "invalid_input")):
        refused = api(client, auth, path, given)
        assert refused.status_code == 400 and refused.get_json()["error"]["code"] == code, given
        assert reload(session).state == "closed"
    tallied = api(client, auth, path, {"shares": [shares[1].upper(), shares[2]], "committee": ["Hoa", "Bình"]})
    assert tallied.status_code == 200, tallied.get_data(as_text=True)
    assert_counts_match(tallied.get_json(), cast)
    assert tallied.get_json()["committee"] == ["Hoa", "Bình"]


@pytest.mark.parametrize("body, field", [
    ({"custody": "committee", "threshold": "2"}, "threshold"), ({"custody": "committee", "names": "Hoa"}, "names"),
    ({"custody": "system", "threshold": 2}, "threshold"), ({"custody": "everyone"}, "custody"),
    ({"holder": 3}, "holder"),
])
def test_the_api_refuses_a_bad_open_naming_the_field(client, make, auth, body, field):
    session = make.session()
    refused = api(client, auth, f"/sessions/{session.id}/open", body)
    assert refused.status_code == 400 and refused.get_json()["error"]["field"] == field
    assert reload(session).state == "draft"


def test_the_api_system_key_open_and_tally_are_unchanged(client, make, auth):
    session = make.session()
    opened = api(client, auth, f"/sessions/{session.id}/open")
    assert opened.status_code == 200 and "shares" not in opened.get_json()
    assert opened.get_json()["key_custody"] == "system" and opened.get_json()["share_threshold"] is None
    cast = vote_and_close(client, reload(session))
    refused = api(client, auth, f"/sessions/{session.id}/tally", {"shares": ["anything at all"]})
    assert refused.status_code == 400 and "kept by the system" in refused.get_json()["error"]["message"]
    tallied = api(client, auth, f"/sessions/{session.id}/tally")
    assert tallied.status_code == 200
    assert_counts_match(tallied.get_json(), cast)
