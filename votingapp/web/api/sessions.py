"""Ballot sessions: draft, edit, open (with the key's custody), tokens, close, tally, results."""

from __future__ import annotations

from flask import jsonify

from ...catalog import N_
from ...crypto.encoding import b64encode
from ...crypto.tokens import format_token
from ...domain import electorate as rules
from ...domain.ballot_forms import MOTION, OPTIONS, PERSON_KINDS
from ...models.ballots import KeyCustody
from ...services import ballots, tallying, verifiable
from ..common import get_meeting_or_404, get_session_or_404
from ..voter import ballot_url
from . import bp, schemas
from .auth import RESULT_READERS, staff_api
from .fields import body, invalid, optional_body, summoned_members
from .openapi import documented

TAG = "sessions"
SESSION_ID = {"session_id": "The ballot session's id."}


def session_summary(session) -> dict:
    return {"id": session.id, "kind": session.kind, "title": session.title, "state": session.state}


def session_fields(session) -> dict:
    return session_summary(session) | {
        "meeting": session.meeting_id,
        "policy": session.policy,
        "electorate": session.electorate,
        "electors": [member.code for member in session.electors],
        "scheme": session.scheme,
        "public_key": b64encode(session.public_key) if session.public_key else None,
        "plaintext_size": session.plaintext_size,
        "key_custody": session.key_custody,
        "share_threshold": session.share_threshold,
        "share_count": session.share_count,
        "subjects": [{"id": s.key, "name": s.name, "detail": s.detail} for s in session.subjects],
        "options": [{"id": o.id, "label": o.label_vi, "label_en": o.label_en}
                    for o in (verifiable.voter_options(session) if verifiable.is_verifiable(session)
                              else OPTIONS[session.kind])],
        "counts": ballots.progress(session),
    }


def session_json(session) -> dict:
    return schemas.Session(**session_fields(session)).model_dump(mode="json", exclude_unset=True)


@bp.post("/meetings/<int:meeting_id>/sessions")
@staff_api()
@documented(json=schemas.SessionCreate, answers={201: schemas.Session}, tag=TAG,
            path_parameters={"meeting_id": "The meeting's id."})
def create_session(meeting_id, user):
    """Create a draft ballot session"""
    meeting = get_meeting_or_404(meeting_id, for_user=user)
    data = body(schemas.SessionCreate)
    session = ballots.create_session(meeting, kind=data.kind, title=data.title,
                                     subjects=subjects_field(meeting, data.kind, data), policy=data.policy,
                                     scheme=data.scheme, by=user,
                                     **electorate_fields(meeting, data, data.kind))
    return jsonify(session_json(session)), 201


def subjects_field(meeting, kind: str, data: schemas.SessionEdit) -> list[dict]:
    """People by member code (summoned to the meeting), or the motion's text."""
    if kind in PERSON_KINDS:
        if not data.subjects:
            raise invalid("subjects", N_("must be a list of member codes."))
        return ballots.member_subjects(summoned_members(meeting, data.subjects, "subjects"))
    if data.motion is None:
        raise invalid("motion", N_("must be a text of 1 to 300 characters."))
    return [{"key": MOTION, "name": data.motion}]


def electorate_fields(meeting, data: schemas.SessionEdit, kind: str, current: str | None = None) -> dict:
    """electorate (default: as it is, or by kind) and electors (member codes of a chosen body)."""
    chosen = data.electorate or current or rules.default_electorate(kind)
    members = summoned_members(meeting, data.electors or [], "electors")
    if members and chosen != rules.BODY:
        raise invalid("electors", N_("is only for electorate 'body'."))
    return {"electorate": chosen, "electors": [m.id for m in members]}


@bp.post("/sessions/<session_id>/edit")
@staff_api()
@documented(json=schemas.SessionEdit, answers={200: schemas.Session}, tag=TAG, path_parameters=SESSION_ID)
def edit_session(session_id, user):
    """Edit a draft: title, subjects or motion, electorate

    While a draft only (409 illegal_transition after); fields left out keep their value.
    """
    session = get_session_or_404(session_id, for_user=user)
    data = body(schemas.SessionEdit)
    given = data.model_fields_set
    changes = {}
    if "title" in given:
        changes["title"] = data.title
    if {"subjects", "motion"} & given:
        changes["subjects"] = subjects_field(session.meeting, session.kind, data)
    if {"electorate", "electors"} & given:
        fields = electorate_fields(session.meeting, data, session.kind, current=session.electorate)
        changes.update(electorate_name=fields["electorate"], electors=fields["electors"])
    ballots.edit_draft(session, by=user, **changes)
    return jsonify(session_json(session))


@bp.delete("/sessions/<session_id>")
@staff_api()
@documented(answers={204: None}, errors=(404, 409), tag=TAG, path_parameters=SESSION_ID)
def delete_session(session_id, user):
    """Delete a draft session (logged)

    409 illegal_transition once it has opened.
    """
    ballots.delete_draft(get_session_or_404(session_id, for_user=user), by=user)
    return "", 204


@bp.get("/sessions/<session_id>")
@staff_api()
@documented(answers={200: schemas.Session}, errors=(404,), tag=TAG, path_parameters=SESSION_ID)
def get_session(session_id, user):
    """A session: state, subjects, public key once open, counts"""
    return jsonify(session_json(get_session_or_404(session_id, for_user=user)))


def custody_options(data: schemas.OpenRequest) -> dict:
    """open_session's key-custody arguments: the system key by default, or the committee's k of n."""
    if data.custody == KeyCustody.SYSTEM.value:
        given = sorted(data.model_fields_set & {"threshold", "holders", "names"})
        if given:
            raise invalid(given[0], N_("is only for custody 'committee'."))
        return {}
    return {"custody": data.custody, "threshold": data.threshold, "holders": data.holders, "names": data.names}


@bp.post("/sessions/<session_id>/open")
@staff_api()
@documented(json=schemas.OpenRequest, answers={200: schemas.OpenedSession}, optional_body=True, tag=TAG,
            path_parameters=SESSION_ID)
def open_session(session_id, user):
    """Open: draft → open (a fresh key pair)

    Refused with 409 quorum_not_met (with `needed`, `base`, `present`) below 2/3 of the electorate's
    base present. No body (or custody "system"): the private key is stored wrapped under the system key.
    Custody "committee": the key is split k-of-n (SLIP-39, docs/formats.md), `shares` are in this answer
    only (Cache-Control: no-store) and nothing of the key is stored; a second open is refused (409), so
    they can never be shown again.
    """
    session = get_session_or_404(session_id, for_user=user)
    handed_out = ballots.open_session(session, by=user, **custody_options(optional_body(schemas.OpenRequest)))
    fields = session_fields(session)
    if handed_out:
        fields["shares"] = [{"number": share.number, "holder": share.holder, "share": share.words}
                            for share in handed_out]
    response = jsonify(schemas.OpenedSession(**fields).model_dump(mode="json", exclude_unset=True))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/sessions/<session_id>/tokens")
@staff_api()
@documented(json=schemas.TokenRequest, answers={201: schemas.IssuedTokens}, tag=TAG, path_parameters=SESSION_ID)
def issue_tokens(session_id, user):
    """Issue one-time ballot tokens

    The tokens are in this answer only (Cache-Control: no-store); the server keeps their hashes.
    409 no_ballot_left past the voters present.
    """
    session = get_session_or_404(session_id, for_user=user)
    count = body(schemas.TokenRequest).count
    issued = [format_token(t) for t in ballots.issue_tokens(session, count, mode="api", by=user)]
    response = jsonify(schemas.IssuedTokens(tokens=issued, urls=[ballot_url(t) for t in issued]).model_dump())
    response.headers["Cache-Control"] = "no-store"
    return response, 201


@bp.get("/sessions/<session_id>/progress")
@staff_api()
@documented(answers={200: schemas.Progress}, errors=(404,), tag=TAG, path_parameters=SESSION_ID)
def session_progress(session_id, user):
    """How many voted (counts only)"""
    return jsonify(schemas.Progress(**ballots.progress(get_session_or_404(session_id, for_user=user)))
                   .model_dump(exclude_unset=True))


@bp.post("/sessions/<session_id>/close")
@staff_api()
@documented(answers={200: schemas.Session}, errors=(404, 409), tag=TAG, path_parameters=SESSION_ID)
def close_session(session_id, user):
    """Close: open → closed; unused tokens become void"""
    session = get_session_or_404(session_id, for_user=user)
    ballots.close_session(session, by=user)
    return jsonify(session_json(session))


@bp.post("/sessions/<session_id>/tally")
@staff_api()
@documented(json=schemas.TallyRequest, answers={200: schemas.Tally}, optional_body=True, tag=TAG,
            path_parameters=SESSION_ID)
def tally_session(session_id, user):
    """Tally: closed → tallied; returns the tally document

    A committee-key session needs k of its shares: 400 shares_needed without them, 400 wrong_shares when
    they do not rebuild this session's key; the session stays closed. A verifiable-v1 session decrypts only
    the sums: under committee custody with the partial decryptions its members' phones sent
    (POST /sessions/{id}/partials), 409 partials_needed until k are in; its document adds `scheme` and
    `decryption`.
    """
    session = get_session_or_404(session_id, for_user=user)
    data = optional_body(schemas.TallyRequest)
    return jsonify(tallying.tally_session(session, by=user, committee=data.committee, shares=data.shares).document)


@bp.get("/sessions/<session_id>/results")
@staff_api(RESULT_READERS)
@documented(answers={200: schemas.Tally}, errors=(404, 409), tag=TAG, path_parameters=SESSION_ID)
def session_results(session_id, user):
    """The stored tally document (auditors too)

    409 not_tallied until the session is tallied.
    """
    return jsonify(tallying.results(get_session_or_404(session_id, for_user=user)))
