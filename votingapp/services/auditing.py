"""The auditor's side in the app: which sessions can be audited, the session key for the
auditor level (system key, or k shares of the counting committee), and the same offline
verifier `votingapp verify` runs, here in-process on bundles built from the database."""

from __future__ import annotations

from sqlalchemy import select

from ..audit.verify import verify_bundle
from ..crypto import sealed
from ..extensions import db
from ..models import BallotSession, Meeting, SessionState
from . import activity, ballots, directory, permissions, publication
from .errors import ServiceError

AUDITABLE = (SessionState.CLOSED.value, SessionState.TALLIED.value)


def auditable_sessions(user) -> list[BallotSession]:
    """Closed and tallied sessions within the user's subtree, latest meeting first."""
    statement = (select(BallotSession).join(Meeting).where(BallotSession.state.in_(AUDITABLE))
                 .order_by(Meeting.held_on.desc(), BallotSession.closed_at.desc()))
    if not user.is_installation_wide:
        statement = statement.where(Meeting.organization_id.in_(
            [o.id for o in directory.reachable_organizations(user)]))
    return list(db.session.scalars(statement))


def _session_key_raw(session: BallotSession, shares: list[str]) -> bytes:
    """The raw session private key (from the KEK, or rebuilt from k shares, which
    ballots.session_private_key checks); refused before the tally: no key leaves it earlier,
    and for a verifiable-v1 session, which has no key to give (409 not_applicable)."""
    publication.refuse_auditor_level(session)
    if session.tally is None:
        raise ServiceError("not_tallied")
    return sealed.private_key_bytes(ballots.session_private_key(session, shares=shares))


def auditor_bundle(session: BallotSession, shares: list[str], *, by):
    """The auditor bundle to download, as pieces of JSON text; the download is logged now."""
    permissions.check(by, "can_audit", session.meeting.organization)
    return publication.auditor_bundle_text(session, _session_key_raw(session, shares), by=by)


def public_report(session: BallotSession):
    """Verify the public bundle against the installation's own signing key."""
    return verify_bundle(publication.streamed_bundle(session), signing_key=publication.signing_public_key())


def auditor_report(session: BallotSession, shares: list[str], *, by):
    """Verify at auditor level (re-decrypt and recount) without the key leaving the server;
    the use of the key is logged like a download."""
    permissions.check(by, "can_audit", session.meeting.organization)
    key = _session_key_raw(session, shares)
    activity.record(activity.actor_name(by), "verify_auditor_bundle", f"session:{session.id}")
    db.session.commit()
    return verify_bundle(publication.streamed_bundle(session, key), signing_key=publication.signing_public_key())
