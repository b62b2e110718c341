"""The public board, the voter's receipt check, the auditor's in-app verification and the
bundle downloads, through the Flask client: what each shows, what each refuses, what is logged."""

from __future__ import annotations

import hashlib
import json
import re

import flask_babel
import pytest
from sqlalchemy import select

from votingapp.audit.verify import verify_bundle
from votingapp.crypto.encoding import b64encode
from votingapp.extensions import db
from votingapp.models import ActivityEvent, Ballot, Board
from votingapp.services import ballots, publication, tallying

from ..helpers import csrf_token, parse_html, seal_choices
from ..helpers import post_form as post

pytestmark = pytest.mark.sealed_scheme  # exercises sealed-v2 sessions: see tests/conftest.py


HIGH, LOW = "tin-nhiem-cao", "tin-nhiem-thap"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def english(client):
    """Pages in English (the assertions read the English msgids); Babel's cached locale dropped."""
    client.set_cookie("lang", "en")
    flask_babel.refresh()


def cast_all(client, session, choices_list) -> list[str]:
    codes = ballots.issue_tokens(session, len(choices_list), mode="print", by="test")
    receipts = []
    for code, choices in zip(codes, choices_list, strict=True):
        answer = client.post("/api/v1/ballot/cast", json={"token": code, "ballot": seal_choices(session, choices)})
        assert answer.status_code == 201, answer.get_json()
        receipts.append(answer.get_json()["receipt"])
    return receipts


@pytest.fixture
def voted(client, make):
    """An open session of 2 subjects with 3 ballots cast; returns (session, receipts)."""
    session = make.open_session()
    subjects = [s.key for s in session.subjects]
    receipts = cast_all(client, session, [{subjects[0]: HIGH, subjects[1]: LOW},
                                          {subjects[0]: LOW, subjects[1]: LOW},
                                          {subjects[0]: HIGH, subjects[1]: HIGH}])
    return session, receipts


@pytest.fixture
def closed(voted):
    session, receipts = voted
    ballots.close_session(session, by="test")
    return session, receipts


@pytest.fixture
def tallied(closed):
    session, receipts = closed
    tallying.tally_session(session, by="test")
    return session, receipts




def tamper_one_ct_byte(session) -> None:
    """Flip one byte of the first ciphertext on the board: a board-v2's entries are the
    session's rows of the ballots table."""
    first = db.session.scalars(select(Ballot).where(Ballot.session_id == session.id).order_by(Ballot.receipt)).first()
    ct = bytearray(first.ct)
    ct[0] ^= 1
    first.ct = bytes(ct)
    db.session.commit()


# --- the public board ----------------------------------------------------------------------

def test_board_is_refused_with_409_before_close_then_served_exactly_as_stored(client, english, voted):
    session, receipts = voted
    page = client.get(f"/board/{session.id}")
    assert page.status_code == 409
    assert "The board is published when the session closes." in page.get_data(as_text=True)
    api = client.get(f"/api/v1/sessions/{session.id}/board")
    assert api.status_code == 409 and api.get_json()["error"]["code"] == "session_not_closed"
    assert all(receipt[:8] not in page.get_data(as_text=True) for receipt in receipts)

    ballots.close_session(session, by="test")
    api = client.get(f"/api/v1/sessions/{session.id}/board")
    assert api.status_code == 200
    served = api.get_json()
    stored = db.session.get(Board, session.id).document
    assert stored["format"] == "votingapp/board-v2" and "entries" not in stored
    assert {key: value for key, value in served.items() if key != "entries"} == stored
    assert list(served)[-1] == "entries"  # last, so a reader can stream them
    assert [entry["receipt"] for entry in served["entries"]] == sorted(receipts)
    assert all(set(entry) == {"receipt", "epk", "nonce", "ct"} for entry in served["entries"])


def test_board_page_shows_counts_head_signature_key_and_bold_short_codes_but_no_ciphertext(client, english,
                                                                                          closed):
    session, receipts = closed
    page = client.get(f"/board/{session.id}")
    html = page.get_data(as_text=True)
    board = db.session.get(Board, session.id).document
    entries = client.get(f"/api/v1/sessions/{session.id}/board").get_json()["entries"]
    assert page.status_code == 200
    assert session.title in html and session.meeting.title in html
    assert board["head"] in html and board["signature"]["value"] in html
    assert b64encode(publication.signing_public_key()) in html and "this installation's key" in html
    for receipt in receipts:
        assert f"<strong>{receipt[:8]}</strong>{receipt[8:]}" in html
    assert html.index(min(receipts)[8:]) < html.index(max(receipts)[8:])  # sorted by receipt
    assert all(entry["ct"] not in html and entry["epk"] not in html for entry in entries)


def test_board_of_an_unknown_session_is_404(client):
    assert client.get("/board/no-such-session").status_code == 404
    assert client.get("/api/v1/sessions/no-such-session/board").get_json()["error"]["code"] == "not_found"


def test_public_bundle_downloads_as_a_named_attachment_that_verifies(client, tallied):
    session, _ = tallied
    answer = client.get(f"/api/v1/sessions/{session.id}/bundle")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == f'attachment; filename="votingapp-{session.id[:8]}-public.json"'
    bundle = json.loads(answer.get_data(as_text=True))
    assert bundle["level"] == "public" and "session_private_key" not in bundle
    assert bundle["tally"] == session.tally.document
    report = verify_bundle(bundle, signing_key=publication.signing_public_key())
    assert report.ok, report.text()


def test_public_bundle_is_refused_before_close(client, voted):
    session, _ = voted
    assert client.get(f"/api/v1/sessions/{session.id}/bundle").status_code == 409


def test_board_and_bundle_routes_are_in_openapi_without_authentication(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert paths["/sessions/{session_id}/board"]["get"]["operationId"] == "get_board"
    assert paths["/sessions/{session_id}/bundle"]["get"]["operationId"] == "get_public_bundle"
    assert paths["/sessions/{session_id}/board"]["get"]["security"] == []
    assert paths["/sessions/{session_id}/bundle"]["get"]["security"] == []


# --- the receipt check ---------------------------------------------------------------------

def check(client, receipt, session=None, headers=None):
    return client.post("/receipt", data={"receipt": receipt, **({"session": session.id} if session else {})},
                       headers=headers or {})


def test_receipt_check_finds_a_cast_ballot_by_its_short_code_typed_in_capitals_with_spaces(client, english, closed):
    session, receipts = closed
    typed = " ".join([receipts[1][:4].upper(), receipts[1][4:8].upper()])
    answer = check(client, typed)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert f"Your ballot is on the board of “{session.title}”." in html
    assert receipts[1][8:] in html


def test_receipt_check_finds_a_cast_ballot_by_its_full_receipt_within_its_session(client, english, closed):
    session, receipts = closed
    answer = check(client, " ".join(receipts[0][i:i + 8] for i in range(0, 64, 8)), session, HTMX)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Your ballot is on the board" in html
    assert "<html" not in html  # htmx gets the answer only


def test_receipt_check_says_not_found_for_a_receipt_that_was_never_cast(client, english, closed):
    session, receipts = closed
    stranger = hashlib.sha256(b"never cast").hexdigest()
    assert all(not receipt.startswith(stranger[:8]) for receipt in receipts)
    for typed in (stranger, stranger[:8]):
        html = check(client, typed).get_data(as_text=True)
        assert "Not found on any published board." in html and "Your ballot is on the board" not in html


def test_receipt_check_before_close_says_the_board_is_not_published_yet(client, english, voted):
    session, receipts = voted
    html = check(client, receipts[0][:8], session).get_data(as_text=True)
    assert "Not found" in html and "its board is published when the session closes" in html


def test_a_short_code_on_two_boards_lists_both_sessions(client, english, closed, make):
    session, receipts = closed
    other = make.open_session(title="Biểu quyết khác")
    ballots.close_session(other, by="test")
    original = db.session.get(Ballot, receipts[0])
    db.session.add(Ballot(receipt=receipts[0][:8] + "0" * 56, session_id=other.id, scheme=original.scheme,
                          epk=original.epk, epk_x=original.epk_x, nonce=original.nonce, ct=original.ct))
    db.session.commit()
    html = check(client, receipts[0][:8]).get_data(as_text=True)
    assert "This code is on the boards of 2 votes:" in html
    assert session.title in html and "Biểu quyết khác" in html


@pytest.mark.parametrize("junk", ["", "hello", "1234567", "123456789", "g" * 8, "<script>" * 8, "a" * 63])
def test_receipt_check_refuses_what_is_not_a_receipt_code_with_400(client, english, closed, junk):
    answer = check(client, junk)
    assert answer.status_code == 400
    assert "Type the 8-character receipt code" in answer.get_data(as_text=True)


def test_receipt_check_of_an_unknown_session_is_404(client):
    assert client.post("/receipt", data={"receipt": "a" * 8, "session": "nope"}).status_code == 404
    assert client.get("/receipt?session=nope").status_code == 404


def test_receipt_page_names_the_session_it_was_opened_for(client, english, voted):
    session, _ = voted
    html = client.get(f"/receipt?session={session.id}").get_data(as_text=True)
    assert session.title in html and f'name="session" value="{session.id}"' in html


def test_voter_page_links_to_the_receipt_check(client):
    html = client.get("/v").get_data(as_text=True)
    assert 'id="receipt-check" href="/receipt"' in html and '"receipt_url": "/receipt"' in html


# --- the auditor's view --------------------------------------------------------------------

def test_auditor_view_runs_the_verifier_and_every_check_passes(client, english, login_as, tallied):
    session, _ = tallied
    login_as("auditor")
    html = client.get(f"/audit/sessions/{session.id}").get_data(as_text=True)
    assert "Everything matches" in html
    for name in ("board_signature", "hash_chain", "board_counts", "tally_signature", "tally_arithmetic"):
        assert f"<code>{name}</code>" in html
    assert 'class="check failed"' not in html and 'class="check ok"' in html


def test_auditor_view_names_the_failing_check_after_one_ciphertext_byte_changed(client, english, login_as,
                                                                                tallied):
    session, _ = tallied
    tamper_one_ct_byte(session)
    login_as("auditor")
    html = client.get(f"/audit/sessions/{session.id}").get_data(as_text=True)
    assert "checks FAIL" in html and "Everything matches" not in html
    failed = {check.css_first("code").text() for check in parse_html(html).css("li.check.failed")}
    # the row's receipt is its ciphertext's hash, so the head signed at close no longer
    # recomputes (whether the changed receipt still sorts in place is chance: board_entries)
    assert "hash_chain" in failed and "board_signature" not in failed


def test_auditor_level_check_in_the_app_recounts_and_logs_the_use_of_the_key(client, english, login_as, tallied):
    session, _ = tallied
    auditor = login_as("auditor")
    answer = post(client, f"/audit/sessions/{session.id}/verify")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Everything matches" in html
    recount = next(check.text() for check in parse_html(html).css("li.check")
                   if check.css_first("code").text() == "recount")
    assert "all 3 ballots decrypted and recounted" in recount and "skipped" not in recount
    event = db.session.scalars(select(ActivityEvent).where(ActivityEvent.action == "verify_auditor_bundle")).one()
    assert (event.actor, event.target) == (auditor.username, f"session:{session.id}")


def test_in_vietnamese_every_check_detail_of_a_good_bundle_reads_in_vietnamese(client, login_as, tallied):
    session, _ = tallied
    login_as("auditor")
    for html in (client.get(f"/audit/sessions/{session.id}").get_data(as_text=True),
                 post(client, f"/audit/sessions/{session.id}/verify").get_data(as_text=True)):
        assert "mục kiểm chứng đạt" in html and "Technical detail" not in html and "tiếng Anh" not in html
        details = [span.text() for span in parse_html(html).css("li > span.check-detail:last-child")]
        assert len(details) == 13
        assert not any(re.search(r"\b(the|ballots|signed|recounted)\b", detail) for detail in details), details
    assert "Đã giải mã và kiểm lại cả 3 phiếu theo quy tắc qd96-2023" in html


def test_in_vietnamese_a_failing_check_says_so_and_keeps_the_english_detail(client, login_as, tallied):
    session, _ = tallied
    tamper_one_ct_byte(session)
    login_as("auditor")
    html = client.get(f"/audit/sessions/{session.id}").get_data(as_text=True)
    assert "mục kiểm chứng KHÔNG ĐẠT" in html
    assert "Chi tiết kỹ thuật bằng tiếng Anh:" in html


def test_auditor_bundle_download_is_logged_and_verifies_at_auditor_level(client, login_as, tallied):
    session, _ = tallied
    auditor = login_as("auditor")
    answer = post(client, f"/audit/sessions/{session.id}/auditor-bundle")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == f'attachment; filename="votingapp-{session.id[:8]}-auditor.json"'
    assert answer.headers["Cache-Control"] == "no-store"
    bundle = json.loads(answer.get_data(as_text=True))
    assert bundle["level"] == "auditor" and bundle["session_private_key"]
    report = verify_bundle(bundle, signing_key=publication.signing_public_key())
    assert report.ok and not next(c for c in report.checks if c.name == "recount").skipped
    events = db.session.scalars(select(ActivityEvent).where(ActivityEvent.action == "download_auditor_bundle")).all()
    assert [(e.actor, e.target) for e in events] == [(auditor.username, f"session:{session.id}")]


def test_auditor_bundle_is_refused_before_the_tally_and_nothing_is_logged(client, english, login_as, closed):
    session, _ = closed
    login_as("auditor")
    page = client.get(f"/audit/sessions/{session.id}").get_data(as_text=True)
    assert "Available after the tally" in page and "Download the auditor bundle" not in page
    for action in ("auditor-bundle", "verify"):
        answer = post(client, f"/audit/sessions/{session.id}/{action}")
        assert answer.status_code == 409
        assert "Results exist only after the session is closed and tallied." in answer.get_data(as_text=True)
    assert db.session.scalars(select(ActivityEvent).where(ActivityEvent.action.like("%auditor_bundle"))).all() == []


def test_auditor_bundle_needs_the_csrf_token(client, login_as, tallied):
    session, _ = tallied
    login_as("auditor")
    assert client.post(f"/audit/sessions/{session.id}/auditor-bundle").status_code == 403


@pytest.mark.parametrize("path", ["/audit/", "/audit/sessions/{id}"])
def test_a_chair_cannot_open_the_auditor_view(client, login_as, tallied, path):
    session, _ = tallied
    login_as("chair")
    assert client.get(path.format(id=session.id)).status_code == 403


@pytest.mark.parametrize("action", ["auditor-bundle", "verify"])
@pytest.mark.parametrize("role", [None, "chair"])
def test_chairs_and_anonymous_visitors_get_no_auditor_bundle(client, login_as, tallied, action, role):
    session, _ = tallied
    if role:
        login_as(role)
    answer = post(client, f"/audit/sessions/{session.id}/{action}")
    assert answer.status_code == (403 if role else 302) and "session_private_key" not in answer.get_data(as_text=True)
    if not role:
        assert answer.headers["Location"].startswith("/login")
    assert db.session.scalars(select(ActivityEvent).where(ActivityEvent.action.like("%auditor_bundle"))).all() == []


def test_an_auditor_of_another_subtree_is_refused(client, login_as, make, tallied):
    session, _ = tallied
    login_as("auditor", organization=make.organization())
    assert client.get(f"/audit/sessions/{session.id}").status_code == 403
    assert post(client, f"/audit/sessions/{session.id}/auditor-bundle").status_code == 403


def test_audit_index_lists_closed_and_tallied_sessions_in_scope_and_the_signing_key(client, english, login_as,
                                                                                     make, tallied):
    session, _ = tallied
    still_open = make.open_session(title="Còn đang bỏ phiếu")
    outside = make.open_session(title="Ngoài phạm vi")
    ballots.close_session(outside, by="test")
    login_as("auditor", organization=session.meeting.organization)
    html = client.get("/audit/").get_data(as_text=True)
    assert f"/audit/sessions/{session.id}" in html
    assert still_open.title not in html and outside.title not in html
    assert b64encode(publication.signing_public_key()) in html


def test_chair_pages_link_the_board_and_auditors_get_the_audit_view_from_results(client, english, login_as,
                                                                                 tallied):
    session, _ = tallied
    login_as("chair")
    tallied_page = client.get(f"/chair/sessions/{session.id}").get_data(as_text=True)
    assert f"/board/{session.id}" in tallied_page and f"/audit/sessions/{session.id}" not in tallied_page
    client.post("/logout", data={"csrf_token": csrf_token(tallied_page)})
    login_as("auditor")
    results = client.get(f"/chair/sessions/{session.id}/results").get_data(as_text=True)
    assert f"/audit/sessions/{session.id}" in results and f"/board/{session.id}" in results
    assert 'href="/audit/"' in results  # the navigation's entry


def test_signing_key_command_prints_the_key_the_pages_show(runner):
    result = runner.invoke(args=["signing-key"])
    assert result.exit_code == 0
    assert result.output.strip() == b64encode(publication.signing_public_key())


# --- committee custody: the auditor enters k shares ----------------------------------------

@pytest.fixture
def committee_tallied(client, make):
    """A 2-of-3 committee-key session, voted, closed and tallied with two shares; returns
    (session, the three share texts)."""
    session = make.session()
    shares = [share.words for share in ballots.open_session(session, by="test", custody="committee",
                                                            threshold=2, holders=3)]
    subjects = [s.key for s in session.subjects]
    cast_all(client, session, [{subjects[0]: HIGH, subjects[1]: LOW}, {subjects[0]: LOW, subjects[1]: HIGH}])
    ballots.close_session(session, by="test")
    tallying.tally_session(session, by="test", shares=shares[:2])
    return session, shares


def test_under_committee_custody_the_auditor_form_asks_for_k_shares(client, english, login_as, committee_tallied):
    session, _ = committee_tallied
    login_as("auditor")
    html = client.get(f"/audit/sessions/{session.id}").get_data(as_text=True)
    assert "enter 2 key shares" in html and html.count('name="share"') == 2


def test_any_k_shares_give_the_auditor_bundle_and_the_recount(client, english, login_as, committee_tallied):
    session, shares = committee_tallied
    login_as("auditor")
    answer = post(client, f"/audit/sessions/{session.id}/auditor-bundle", {"share": [shares[2], shares[0]]})
    assert answer.status_code == 200
    assert verify_bundle(json.loads(answer.get_data(as_text=True))).ok
    html = post(client, f"/audit/sessions/{session.id}/verify", {"share": shares[1:]}).get_data(as_text=True)
    assert "Everything matches" in html and "all 2 ballots decrypted and recounted" in html


@pytest.mark.parametrize("given", [[], [0], [0, "forged"]], ids=["none", "one", "one-and-a-forged"])
def test_missing_or_wrong_shares_are_refused_on_the_page_and_nothing_is_logged(client, english, login_as,
                                                                              committee_tallied, given):
    session, shares = committee_tallied
    login_as("auditor")
    typed = [shares[item] if isinstance(item, int) else "forged words " * 4 for item in given]
    for action in ("auditor-bundle", "verify"):
        answer = post(client, f"/audit/sessions/{session.id}/{action}", {"share": typed})
        html = answer.get_data(as_text=True)
        assert answer.status_code == 400 and 'class="alert"' in html and "session_private_key" not in html
        assert "Decrypt and recount here" in html  # the form again, to try once more
    assert db.session.scalars(select(ActivityEvent).where(ActivityEvent.action.like("%auditor_bundle"))).all() == []
