"""The voter-code fingerprint: one SHA-256 over the exact bytes of every script file the voter
page loads, so a voter or an auditor can check that the code encrypting ballots is the code
published and rebuilt from source (`npm ci && npm run build` reproduces both files byte for
byte: sealed.bundle.js, and voter.js minified from static/js/src/voter.js).

Definition (docs/formats.md): for each file of VOTER_SCRIPTS, in the order the page loads
them, the line `sha256sum` prints for it, "<64 hex>  <path relative to static/>\\n"; the
fingerprint is the lowercase hex SHA-256 of those lines joined. So
`cd static && sha256sum js/sealed.bundle.js js/voter.js | sha256sum`
gives it, and so does the same command over the files downloaded from the server.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

#: every script templates/voter/ballot.html loads, in page order (its layout,
#: templates/voter/base.html, adds none: no htmx, no staff script)
VOTER_SCRIPTS = ("js/sealed.bundle.js", "js/voter.js")


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
