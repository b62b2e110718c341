"""Staff accounts (admin only): list those in scope, create, reset a password, deactivate."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...models.accounts import ROLES
from ...services import accounts, directory
from ..common import get_scope_or_403, get_user_or_404, require
from . import bp
from .pages import attempt, chosen_id


def admin_action(view):
    """Admins only; others are refused, and visitors go to log in first."""
    return login_required(require("can_administer")(view))


def _users_page(error=None, failed_user_id=None):
    """The list with the create form; a refused action comes back here with its message."""
    return render_template("admin/users.html", users=directory.users_in_scope(current_user), roles=ROLES,
                           organizations=directory.reachable_organizations(current_user), error=error,
                           failed_user_id=failed_user_id, form=request.form,
                           chosen=chosen_id("organization")), error.status if error else 200


@bp.get("/users")
@admin_action
def list_users():
    return _users_page()


@bp.post("/users")
@admin_action
def create_user():
    form = request.form
    user, error = attempt(lambda: accounts.create_user(
        form.get("username", ""), form.get("password", ""), form.get("role", ""),
        get_scope_or_403(chosen_id("organization"), current_user), by=current_user))
    if error:
        return _users_page(error)
    flash(_("User %(name)s created.", name=user.username), "success")
    return redirect(url_for(".list_users"))


@bp.post("/users/<int:user_id>/password")
@admin_action
def reset_password(user_id: int):
    user = get_user_or_404(user_id, current_user)
    return _change_user(user, lambda: accounts.set_password(user, request.form.get("password", ""), by=current_user),
                        _("Password of %(name)s changed.", name=user.username))


@bp.post("/users/<int:user_id>/active")
@admin_action
def set_user_active(user_id: int):
    user = get_user_or_404(user_id, current_user)
    active = request.form.get("active") == "1"
    return _change_user(user, lambda: accounts.set_active(user, active, by=current_user),
                        _("%(name)s can log in again.", name=user.username) if active
                        else _("%(name)s can no longer log in.", name=user.username))


@bp.post("/users/<int:user_id>/role")
@admin_action
def set_user_role(user_id: int):
    """A new role ends the account's open sessions, so it applies at once."""
    user = get_user_or_404(user_id, current_user)
    return _change_user(user, lambda: accounts.set_role(user, request.form.get("role", ""), by=current_user),
                        _("%(name)s now has the role %(role)s.", name=user.username, role=request.form.get("role", "")))


def _change_user(user, change, done_message: str):
    """Run one change to an account: back to the list with `done_message`, or with the refusal
    shown beside that account."""
    _done, error = attempt(change)
    if error:
        return _users_page(error, failed_user_id=user.id)
    flash(done_message, "success")
    return redirect(url_for(".list_users"))
