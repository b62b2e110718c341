"""The voter-code fingerprint: one SHA-256 over the exact bytes of every script file the voter
page can run, so a voter or an auditor can check that the code encrypting ballots is the code
published and rebuilt from source (`npm ci && npm run build` reproduces the three files byte
for byte: verifiable-seal.bundle.js, sealed.bundle.js, and voter.js minified from
static/js/src/voter.js).

Definition (docs/formats.md): for each file of VOTER_SCRIPTS, in the order the page loads
them (the page's two scripts, then sealed.bundle.js, which voter.js adds only when a sealed
session is looked up), the line `sha256sum` prints for it, "<64 hex>  <path relative to
static/>\\n"; the fingerprint is the lowercase hex SHA-256 of those lines joined. So
`cd static && sha256sum js/verifiable-seal.bundle.js js/voter.js js/sealed.bundle.js | sha256sum`
gives it, and so does the same command over the files downloaded from the server.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

#: the scripts templates/voter/ballot.html names, in page order (its layout,
#: templates/voter/base.html, adds none: no htmx, no staff script)
PAGE_SCRIPTS = ("js/verifiable-seal.bundle.js", "js/voter.js")
#: what voter.js adds to the page itself, only when a sealed-v1/v2 session is looked up
LAZY_SCRIPTS = ("js/sealed.bundle.js",)
#: every script the voter page can run: the page's, then the lazily loaded ones
VOTER_SCRIPTS = PAGE_SCRIPTS + LAZY_SCRIPTS


def voter_code_manifest(static_dir: str | Path, files: tuple[str, ...] = VOTER_SCRIPTS) -> str:
    """What `sha256sum` prints for the voter page's script files, in page order."""
    root = Path(static_dir)
    return "".join(f"{hashlib.sha256((root / name).read_bytes()).hexdigest()}  {name}\n" for name in files)


def voter_code_fingerprint(static_dir: str | Path, files: tuple[str, ...] = VOTER_SCRIPTS) -> str:
    """Lowercase hex SHA-256 of the manifest: one number for the whole voter-side code."""
    return hashlib.sha256(voter_code_manifest(static_dir, files).encode()).hexdigest()


def grouped(fingerprint: str, size: int = 8) -> str:
    """The fingerprint in groups of 8 hex digits, as people read it aloud and compare it."""
    return " ".join(fingerprint[i:i + size] for i in range(0, len(fingerprint), size))
