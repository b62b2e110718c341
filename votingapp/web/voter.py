"""The voter's page: mobile-first, no account, no third-party request. The token arrives in
the URL fragment (never sent to the server in a URL) or is typed in."""

from flask import Blueprint, redirect, render_template, url_for

bp = Blueprint("voter", __name__)


@bp.get("/")
def index():
    return redirect(url_for("voter.ballot"))


@bp.get("/v")
def ballot():
    return render_template("voter/ballot.html")
