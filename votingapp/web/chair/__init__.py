"""The chair's pages: one blueprint, split by task. `setup` holds the dashboard, organizations,
members, imports, meetings and attendance; `users` the staff accounts; `sessions` the ballot
sessions; `screen` their projector view."""

from flask import Blueprint

bp = Blueprint("chair", __name__, url_prefix="/chair")

from . import exports, screen, sessions, setup, users  # noqa: E402,F401  (views register themselves on bp)
