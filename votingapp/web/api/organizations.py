"""Organizations, their levels and members, and the spreadsheet imports of both."""

from __future__ import annotations

from dataclasses import asdict

from flask import abort, jsonify
from sqlalchemy import select

from ...catalog import N_
from ...extensions import db
from ...models import Member
from ...services import directory, imports, levels, meetings
from ...services.errors import ServiceError
from ..common import get_member_or_404, get_scope_or_403
from . import bp, schemas
from .auth import ADMINISTERS, READERS, staff_api
from .fields import body, invalid, organization_by_code, uploaded_file
from .openapi import documented

TAG = "organizations"


def organization_json(organization) -> dict:
    return schemas.Organization(code=organization.code, name=organization.name, level=organization.level,
                                parent=organization.parent.code if organization.parent else None).model_dump()


def member_json(member) -> dict:
    return schemas.Member(code=member.code, full_name=member.full_name, organization=member.organization.code,
                          post=member.post, is_leader=member.is_leader, status=member.status).model_dump()


@bp.get("/organizations")
@staff_api(READERS)
@documented(answers={200: schemas.OrganizationList}, errors=(), tag=TAG)
def list_organizations(user):
    """Organizations in the caller's scope"""
    return jsonify({"organizations": [organization_json(o) for o in directory.reachable_organizations(user)]})


@bp.get("/organization-levels")
@staff_api(READERS)
@documented(answers={200: schemas.OrganizationLevelList}, errors=(), tag=TAG)
def list_organization_levels(user):
    """The levels of the organization tree, top down

    The same for every caller: the levels belong to the installation, not to a subtree.
    """
    return jsonify(schemas.OrganizationLevelList(levels=[schemas.OrganizationLevel(**asdict(level))
                                                               for level in levels.list_levels()])
                   .model_dump())


@bp.post("/organizations")
@staff_api(ADMINISTERS)
@documented(json=schemas.OrganizationCreate, answers={201: schemas.Organization}, tag=TAG)
def create_organization(user):
    """Create an organization"""
    data = body(schemas.OrganizationCreate)
    parent = get_scope_or_403(None, for_user=user) if data.parent is None \
        else organization_by_code(data.parent, user, field="parent")
    if data.level not in levels.level_codes():
        raise invalid("level", N_("must be one of %(levels)s.", levels=", ".join(levels.level_codes())))
    organization = meetings.create_organization(data.code, data.name, data.level, parent, by=user)
    return jsonify(organization_json(organization)), 201


def _import_with(import_function, user):
    """Imports may touch any organization a file names: only an admin of the whole
    installation may run them (User.can_import; the service checks it again)."""
    if not user.can_import:
        raise ServiceError("forbidden", imports.NOT_INSTALLATION_WIDE)
    data, filename = uploaded_file()
    report = import_function(data, filename, by=user)
    return jsonify(schemas.ImportReport(created=report.created, updated=report.updated, total=report.total)
                   .model_dump())


@bp.post("/organizations/import")
@staff_api(ADMINISTERS)
@documented(form=schemas.Upload, answers={200: schemas.ImportReport}, errors=(400, 409, 422), tag=TAG)
def import_organizations(user):
    """Import the organization list

    All or nothing; needs an admin scoped to the whole installation.
    """
    return _import_with(imports.import_organizations, user)


@bp.post("/members/import")
@staff_api(ADMINISTERS)
@documented(form=schemas.Upload, answers={200: schemas.ImportReport}, errors=(400, 409, 422), tag=TAG)
def import_members(user):
    """Import the member list

    All or nothing; each member's cell must exist; needs an admin scoped to the whole installation.
    """
    return _import_with(imports.import_members, user)


@bp.post("/members/<member_code>/status")
@staff_api()
@documented(json=schemas.MemberStatus, answers={200: schemas.Member}, tag=TAG,
            path_parameters={"member_code": "The member's code, e.g. DV00001."})
def set_member_status(member_code, user):
    """Set a member official or probationary (who may vote on motions)"""
    member_id = db.session.scalar(select(Member.id).where(Member.code == member_code)) or abort(404)
    member = get_member_or_404(member_id, for_user=user)
    data = body(schemas.MemberStatus)
    meetings.set_member_status(member, data.status, by=user)
    return jsonify(member_json(member))


@bp.get("/organizations/<code>/members")
@staff_api(READERS)
@documented(answers={200: schemas.MemberList}, errors=(404,), tag=TAG,
            path_parameters={"code": "The organization's code, e.g. SL-01."})
def list_members(code, user):
    """Members of the organization and its subtree"""
    organization = organization_by_code(code, user)
    return jsonify({"organization": organization.code,
                    "members": [member_json(m) for m in directory.members_under(organization)]})
