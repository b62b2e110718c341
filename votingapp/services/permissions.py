"""The services' side of permissions: a write done for a staff user checks the User ability
it needs (the table is on models.accounts.User) on the organization it touches, so a script,
a page and the API are refused alike. A named system actor (the CLI, a migration, "system")
is no User and is trusted: it runs with the database's own access."""

from __future__ import annotations

from ..models import Organization, User
from .errors import ServiceError


def check(by, ability: str, organization: Organization | None = None, *, refusal: ServiceError | None = None) -> None:
    """Refuse (403, or `refusal`) when `by` is a user without `ability` on `organization`."""
    if isinstance(by, User) and not by.may(ability, organization):
        raise refusal or ServiceError("forbidden")


def check_user(by, ability: str, organization: Organization | None = None) -> None:
    """Like check, for writes only a staff user may do: a bare name is refused too."""
    if not isinstance(by, User) or not by.may(ability, organization):
        raise ServiceError("forbidden")
