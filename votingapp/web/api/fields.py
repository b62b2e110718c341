"""Reading a request: its body or query through a model of schemas.py, with our bilingual
400 for anything the model refuses, and the lookups a body's codes need (organization,
summoned members) with a 400 naming the field."""

from __future__ import annotations

from typing import TypeVar

from flask import abort, request
from pydantic import BaseModel, ValidationError
from sqlalchemy import select

from ...catalog import N_, Pair, Text
from ...domain.text import refused_character
from ...extensions import db
from ...models import Organization
from ...services.errors import ServiceError
from ..common import get_organization_or_404, json_body
from .schemas import must_of

Model = TypeVar("Model", bound=BaseModel)


def invalid(field: str, problem: Text | Pair, **extra) -> ServiceError:
    """400 invalid_input naming `field`."""
    return ServiceError("invalid_input", Pair(f"'{field}' {problem.en}", f"'{field}' {problem.vi}"),
                        extra={"field": field, **extra})


def parse(model: type[Model], data: dict) -> Model:
    """`data` as `model`, or 400 invalid_input naming the first field at fault (an unknown
    field first: a typo is an error, not a silently ignored field)."""
    names = {field.alias or name for name, field in model.model_fields.items()}
    if model.model_config.get("extra") == "forbid":
        unknown = sorted(set(data) - names)
        if unknown:
            raise invalid(str(unknown[0])[:60], N_("is not a field of this request."), allowed=sorted(names))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _refusal(model, exc) from None


def _refusal(model: type[BaseModel], exc: ValidationError) -> ServiceError:
    problem = exc.errors(include_url=False)[0]
    field = str(problem["loc"][0]) if problem["loc"] else "body"
    refused = refused_character(problem["input"]) \
        if problem["type"] == "string_pattern_mismatch" and isinstance(problem.get("input"), str) else None
    if refused:  # say which character, as the services do (domain.text)
        character, what = refused
        return invalid(field, N_("contains %(what)s (U+%(code)s), which is not allowed.",
                                 what=what, code=format(ord(character), "04X")))
    must = must_of(model, field)
    if must is None:  # a field whose model says nothing more than its type (voter bodies do not come here)
        return invalid(field, N_("is not valid."))
    return invalid(field, must.text)


def body(model: type[Model]) -> Model:
    """The request's JSON object as `model` (malformed_request when it is no JSON object)."""
    return parse(model, json_body())


def optional_body(model: type[Model]) -> Model:
    """The same, for calls whose body may be left out entirely."""
    return body(model) if request.get_data() else model()


def query(model: type[Model]) -> Model:
    return parse(model, request.args.to_dict())


def uploaded_file() -> tuple[bytes, str]:
    upload = request.files.get("file")
    if upload is None:
        raise invalid("file", N_("is missing: send the spreadsheet as multipart form field 'file'."))
    return upload.read(), upload.filename or ""


def organization_by_code(code, user, *, field: str | None = None) -> Organization:
    """Load-or-refuse by code: 404 in a URL, 400 naming the field in a body; 403 outside scope."""
    organization_id = db.session.scalar(select(Organization.id).where(Organization.code == code)) \
        if isinstance(code, str) else None
    if organization_id is None:
        if field is None:
            abort(404)
        raise invalid(field, N_("names no organization (%(code)r).", code=code))
    return get_organization_or_404(organization_id, for_user=user)


def summoned_members(meeting, codes: list[str], field: str) -> list:
    """The members of `meeting` with these codes, in the order given; 400 naming the others."""
    by_code = {row.member.code: row.member for row in meeting.attendance}
    unknown = [code for code in codes if code not in by_code]
    if unknown:
        raise invalid(field, N_("has codes of no member summoned to this meeting: %(unknown)s.",
                                unknown=", ".join(unknown)), unknown=unknown)
    return [by_code[code] for code in codes]
