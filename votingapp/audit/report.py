"""What the offline verifier finds, and how it is told: one `Check` per named check, the
`Report` `votingapp verify` prints with its exit code, and the exceptions a check raises
(`Failed`, `Skipped`). Apart from audit.verify so that the modules the checks use (audit.repeats,
audit.spoiled) can raise and report without importing the verifier itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: `votingapp verify` exit codes (docs/formats.md): every check passed and the signing key was pinned;
#: a check failed; the bundle could not be read; every check passed but no key was pinned, so
#: nothing proves who signed the bundle
EXIT_OK, EXIT_FAILED, EXIT_UNREADABLE, EXIT_UNPINNED = 0, 1, 2, 3


@dataclass
class Check:
    """One named check: passed or not, and what was found, in English."""
    name: str
    ok: bool
    detail: str
    #: the bundle does not allow this check (public level, no tally, no receipt asked): not a failure
    skipped: bool = False


UNPINNED_WARNING = ("NOTHING PROVES WHO SIGNED THIS BUNDLE: no --signing-key was given, so the signatures "
                    "were checked against the key the bundle names itself, and whoever made the bundle may "
                    "have made that key too. Pin the installation's published key with --signing-key.")


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    #: the bundle's signing key was compared with a key the auditor gave (not just the one it names)
    pinned: bool = False
    #: the file stopped being JSON part way through the entries (why, in English): exit code 2
    unreadable: str | None = None

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failed(self) -> list[str]:
        return [check.name for check in self.checks if not check.ok]

    @property
    def exit_code(self) -> int:
        if self.unreadable is not None:
            return EXIT_UNREADABLE
        if not self.ok:
            return EXIT_FAILED
        return EXIT_OK if self.pinned else EXIT_UNPINNED

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "pinned": self.pinned, "exit_code": self.exit_code, "failed": self.failed,
                "checks": [asdict(check) for check in self.checks]}

    def text(self) -> str:
        """The per-check report `votingapp verify` prints."""
        lines = [f"{'-' if c.skipped else '✓' if c.ok else '✗'} {c.name}: {c.detail}" for c in self.checks]
        if not self.ok:
            lines.append("FAILED: " + ", ".join(self.failed))
        elif self.pinned:
            lines.append("ALL CHECKS PASSED")
        else:
            lines.append("ALL CHECKS PASSED, BUT " + UNPINNED_WARNING)
        return "\n".join(lines)


class Failed(Exception):
    """A check found a mismatch; the message is the report's detail."""


class Skipped(Exception):
    """The bundle does not allow this check; the message says why."""


def _short(receipt: object) -> str:
    return f"{receipt[:8]}…" if isinstance(receipt, str) else repr(receipt)


def _where(number: int, receipt: object) -> str:
    """An entry, as a problem names it."""
    return f"entry {number} ({_short(receipt)})"
