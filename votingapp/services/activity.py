"""The append-only log of privileged actions."""

from ..extensions import db
from ..models import ActivityEvent


def record(actor: str, action: str, target: str = "", **details) -> None:
    """Add one event to the current transaction; the caller's commit makes it durable."""
    db.session.add(ActivityEvent(actor=actor, action=action, target=target, details=details))


def actor_name(user) -> str:
    return getattr(user, "username", None) or str(user or "system")
