"""The chair's pages: organizations, members, meetings, attendance, ballot sessions."""

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("chair", __name__, url_prefix="/chair")


@bp.get("/")
@login_required
def dashboard():
    return render_template("chair/dashboard.html")
