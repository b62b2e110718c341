"""JSON API v1: the voter contract of docs/api.md, and what the chair does."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import auth, ballot, decryption, grading, meetings, openapi, organizations, public, sessions  # noqa: E402,F401  (routes register on import)
