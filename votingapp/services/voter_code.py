"""The fingerprint of the voter code this installation serves (crypto.fingerprint), read from
the very files the static route sends, each time: it cannot drift from the bytes served."""

from __future__ import annotations

from flask import current_app

from ..crypto.fingerprint import VOTER_SCRIPTS, voter_code_fingerprint, voter_code_manifest


def _static_folder() -> str:
    folder = current_app.static_folder
    if folder is None:  # create_app always serves one: the voter page's scripts live there
        raise RuntimeError("the app has no static folder")
    return folder


def served_voter_code() -> str:
    return voter_code_fingerprint(_static_folder())


def served_manifest() -> str:
    return voter_code_manifest(_static_folder())


__all__ = ["VOTER_SCRIPTS", "served_manifest", "served_voter_code"]
