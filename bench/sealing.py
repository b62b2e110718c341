"""Sealed-v2 cost per ballot: sealing it (what each phone does once) against opening it (what
the tally does per ballot). Both in this process; no server, no database."""

from __future__ import annotations

import time

from .common import Options, Row, interleaved

SECTION = "sealing"
BALLOTS, QUICK_BALLOTS = 500, 50


def measure(options: Options) -> list[Row]:
    from votingapp.crypto import sealed
    count = QUICK_BALLOTS if options.quick else BALLOTS
    key = sealed.generate_private_key()
    public, plaintext = sealed.public_key_bytes(key.public_key()), b" " * 256
    boxes = []

    def seal() -> float:
        started = time.perf_counter()
        boxes[:] = [sealed.seal(plaintext, "bench", public) for _ in range(count)]
        return (time.perf_counter() - started) * 1000 / count

    def open_all() -> float:
        started = time.perf_counter()
        for box in boxes:
            sealed.open_sealed(box, "bench", key)
        return (time.perf_counter() - started) * 1000 / count

    seal_ms, open_ms = interleaved(seal, open_all, rounds=1 if options.quick else options.rounds)
    return [Row(SECTION, "sealed-v2 per ballot", "seal (phone)", "open (tally)", seal_ms, open_ms, unit="ms")]
