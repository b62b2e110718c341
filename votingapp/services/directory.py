"""Read-only queries scoped to what a staff user can reach: the organization tree with member
counts, members, meetings and users. Writes live in meetings.py, accounts.py and imports.py."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..domain.search import matches
from ..extensions import db
from ..models import Meeting, Member, Organization, User


@dataclass
class OrganizationNode:
    """One organization in the dashboard tree, with the members of its whole subtree."""
    organization: Organization
    member_count: int
    children: list[OrganizationNode] = field(default_factory=list)


def reachable_roots(user) -> list[Organization]:
    """The tops of the tree `user` may act in: their own organization, or every root."""
    if not user.is_installation_wide:
        return [user.organization]
    return list(db.session.scalars(select(Organization).where(Organization.parent_id.is_(None))
                                   .order_by(Organization.code)))


def reachable_organizations(user) -> list[Organization]:
    """Every organization `user` may act in, parents before their children (for select boxes)."""
    return [o for root in reachable_roots(user) for o in root.subtree()]


def organization_tree(user) -> list[OrganizationNode]:
    direct = dict(db.session.execute(select(Member.organization_id, func.count(Member.id))
                                     .group_by(Member.organization_id)).all())

    def node(organization: Organization) -> OrganizationNode:
        children = [node(child) for child in organization.children]
        total = direct.get(organization.id, 0) + sum(c.member_count for c in children)
        return OrganizationNode(organization, total, children)

    return [node(root) for root in reachable_roots(user)]


def members_under(organization: Organization, query: str = "") -> list[Member]:
    """Members of the organization and its subtree (whom its meeting summons), filtered."""
    ids = [o.id for o in organization.subtree()]
    members = db.session.scalars(select(Member).where(Member.organization_id.in_(ids)).order_by(Member.code))
    return [m for m in members if matches(query, m.code, m.full_name, m.post)]


def recent_meetings(user, limit: int = 10) -> list[Meeting]:
    statement = select(Meeting).order_by(Meeting.held_on.desc(), Meeting.id.desc()).limit(limit)
    if not user.is_installation_wide:
        statement = statement.where(Meeting.organization_id.in_(_subtree_ids(user.organization)))
    return list(db.session.scalars(statement))


def meetings_of(organization: Organization) -> list[Meeting]:
    return list(db.session.scalars(select(Meeting).where(Meeting.organization_id == organization.id)
                                   .order_by(Meeting.held_on.desc(), Meeting.id.desc())))


def users_in_scope(user) -> list[User]:
    """Users whose scope lies inside `user`'s; a user scoped to the whole installation sees all."""
    statement = select(User).order_by(User.username)
    if not user.is_installation_wide:
        statement = statement.where(User.organization_id.in_(_subtree_ids(user.organization)))
    return list(db.session.scalars(statement))


def _subtree_ids(organization: Organization) -> list[int]:
    return [o.id for o in organization.subtree()]
