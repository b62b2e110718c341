"""The levels of the organization tree, read from the organization_levels table."""

from __future__ import annotations

from sqlalchemy import select

from ..domain.levels import Level
from ..extensions import db
from ..models import OrganizationLevel


def list_levels() -> list[Level]:
    """Every level, from the top of the tree down."""
    rows = db.session.scalars(select(OrganizationLevel).order_by(OrganizationLevel.position, OrganizationLevel.code))
    return [row.to_level() for row in rows]


def level_codes() -> list[str]:
    return [level.code for level in list_levels()]

