"""verifiable-v1 costs against the goals of docs/formats.md: verifying ballots (one, and a
500 × 15 meeting on one core vs two), the tally of 10,000 × 15 (aggregate, 2 partials with their
proofs, combine, counts), sealing in node and in Chromium at 4× CPU throttling, the sealing
bundle's weight, and the peak memory of `verify` on a verifiable-v1 board at two sizes 10× apart
(issue 9 item 5). `measure(options)` gives bench/common.Rows; `python -m bench.verifiable` prints.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from votingapp.crypto import verifiable as V
from votingapp.crypto.encoding import b64encode
from votingapp.crypto.verifiable import group

from .common import Row, timed

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "static" / "js" / "verifiable.bundle.js"
OPTIONS = ["tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap"]
SECTION = "verifiable-v1"
#: CPU seconds of each one-process verification: the machine is shared, so wall time overstates
CPU_SECONDS: list[float] = []


def make_session(subjects: int, threshold: int = 2, holders: int = 3) -> tuple[V.Session, V.Dealing]:
    dealing = V.deal_keys(threshold, holders)
    return dealing.session(f"bench-{subjects}", [f"DV{n:05}" for n in range(subjects)], OPTIONS), dealing


def random_choices(rng: random.Random, session: V.Session):
    return None if rng.random() < 0.05 else [rng.randrange(len(session.options)) for _ in session.subjects]


def sealed_ballots(session: V.Session, count: int, seed: int = 1) -> list[bytes]:
    rng = random.Random(seed)
    return [V.seal_ballot(session, random_choices(rng, session)).ballot for _ in range(count)]


def verify_one_ms(session: V.Session, ballots: list[bytes]) -> float:
    sctx = session.context()
    times = [timed(lambda b=b: V.verify_ballot(session, b, sctx=sctx)) for b in ballots]
    return statistics.median(times) * 1000


def _verify_chunk(args) -> int:
    session, ballots = args
    sctx = session.context()
    return sum(1 for b in ballots if V.verify_ballot(session, b, sctx=sctx))


def verify_all_seconds(session: V.Session, ballots: list[bytes], processes: int) -> float:
    """The public check of every ballot (§4.6 and A_t uniqueness across the board)."""
    started, cpu = time.perf_counter(), time.process_time()
    if processes == 1:
        _verify_chunk((session, ballots))
    else:
        chunks = [(session, ballots[i::processes]) for i in range(processes)]
        with ProcessPoolExecutor(processes) as pool:
            assert sum(pool.map(_verify_chunk, chunks)) == len(ballots)
    a_points = [b[64 * t:64 * t + 32] for b in ballots for t in range(session.ciphertext_count)]
    assert len(set(a_points)) == len(a_points)
    if processes == 1:
        CPU_SECONDS.append(time.process_time() - cpu)
    return time.perf_counter() - started


def ciphertext_lists(session: V.Session, distinct: int, count: int) -> list[list[tuple[bytes, bytes]]]:
    """`count` ballots' ciphertexts, `distinct` of them encrypted and then repeated: adding
    costs the same whatever the points, and sealing 10,000 proven ballots would take minutes."""
    rng = random.Random(2)
    lists = []
    for _ in range(distinct):
        bits = V.ballots.plaintext_bits(session, random_choices(rng, session))
        row = []
        for v in bits:
            r = V.SystemRandom().scalar()
            r_h = group.mul(r, session.public_key)
            row.append((group.base_mul(r), group.add(group.GENERATOR, r_h) if v else r_h))
        lists.append(row)
    return [lists[i % distinct] for i in range(count)]


def tally_seconds(session: V.Session, dealing: V.Dealing, lists) -> tuple[float, float, float]:
    """(aggregate, 2 partials + their checks + combine + counts, CPU seconds of both)."""
    cpu, started = time.process_time(), time.perf_counter()
    sums = V.aggregate(session, lists)
    aggregated = time.perf_counter()
    partials = {i: V.partial_decrypt(session, dealing.shares[i - 1], sums) for i in (1, 2)}
    V.tally(session, sums, len(lists), partials)
    return aggregated - started, time.perf_counter() - aggregated, time.process_time() - cpu


def node_seal_ms(session: V.Session, dealing: V.Dealing, sums, rounds: int = 5) -> dict:
    node = shutil.which("node")
    request = {"session": session.to_json(), "choices": [0] * len(session.subjects), "rounds": rounds,
               "secret": dealing.shares[0].to_json()["secret"],
               "sums": [[b64encode(a), b64encode(b)] for a, b in sums]}
    done = subprocess.run([node, str(ROOT / "bench" / "verifiable_seal.cjs")], input=json.dumps(request).encode(),
                          capture_output=True, check=True, timeout=300)
    return json.loads(done.stdout)


def chromium_first_seal_ms(session: V.Session, throttle: float) -> float:
    """A fresh page loads the bundle, then seals once at `throttle`× CPU slowdown (DevTools)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
        try:
            page = browser.new_page()
            page.set_content("<!doctype html><title>bench</title>")
            page.add_script_tag(path=str(BUNDLE))
            cdp = page.context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
            return page.evaluate("""([session, choices]) => {
                const started = performance.now();
                VotingVerifiable.sealBallot(session, choices);
                return performance.now() - started;
            }""", [session.to_json(), [0] * len(session.subjects)])
        finally:
            browser.close()


def _seal_chunk(args) -> list[bytes]:
    session, count, seed = args
    return sealed_ballots(session, count, seed)


def sealed_in_processes(session: V.Session, count: int, processes: int = 2, chunk: int = 500) -> Iterator[bytes]:
    """`count` proven ballots, sealed `chunk` at a time in `processes` processes."""
    jobs = [(session, min(chunk, count - start), start + 1) for start in range(0, count, chunk)]
    with ProcessPoolExecutor(processes) as pool:
        for ballots in pool.map(_seal_chunk, jobs):
            yield from ballots


def write_board_bundle(path: Path, ballots: int, subjects: int, processes: int = 2) -> None:
    """A public audit-bundle-v2 of a verifiable-v1 board of `ballots` proven ballots (and 2
    spoiled ones), not tallied yet, signed with a fresh key: what `verify` reads, as the server
    writes it (its entries streamed last, sorted by receipt)."""
    from votingapp.audit.bundle import (
        PUBLIC,
        build_board_header,
        bundle_pieces,
        spoiled_entries,
        verifiable_entry,
        verifiable_session_facts,
    )
    from votingapp.crypto import signing
    session, _ = make_session(subjects)
    entries = sorted(map(verifiable_entry, sealed_in_processes(session, ballots, processes)),
                     key=lambda entry: entry.receipt)
    spoiled = [(s.ballot, s.reveal) for s in (V.seal_ballot(session, [0] * subjects) for _ in range(2))]
    present = ballots + 1
    counts = {"summoned": present + 1, "excluded": 0, "base": present + 1, "present": present,
              "tokens_issued": ballots + 1, "tokens_used": ballots, "tokens_void": 1}
    facts = verifiable_session_facts(
        {"id": session.id, "title": "Lấy phiếu tín nhiệm đo", "kind": "confidence", "meeting": "Hội nghị đo",
         "organization": "Chi bộ đo", "held_on": "2026-12-05", "scheme": "sealed-v2", "public_key": "",
         "plaintext_size": 0, "policy": "qd96-2023", "options": [],
         "subjects": [{"id": s, "name": f"Đảng viên {s}"} for s in session.subjects]},
        session.public_key, session.threshold, session.verification_keys, session.options)
    key = signing.new_signing_key()
    header = build_board_header(facts, counts, [entry.receipt for entry in entries], spoiled_entries(spoiled))
    board = signing.sign_document(header, key)
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(bundle_pieces(PUBLIC, board, entries, None, signing.public_key_of(key)))


def verify_memory_row(small: int, large: int, subjects: int, folder: Path | None = None) -> Row:
    """Peak resident set of `verify` (a fresh process each, bench.boards.in_child) on boards
    of `small` and `large` ballots × `subjects` subjects."""
    from .boards import in_child
    peaks, sizes = [], []
    with tempfile.TemporaryDirectory(prefix="bench-verifiable-", dir=folder) as where:
        for ballots in (small, large):
            bundle = Path(where) / f"verifiable-{ballots}.json"
            write_board_bundle(bundle, ballots, subjects)
            peaks.append(in_child("verify", "", Path(where), "", bundle))
            sizes.append(bundle.stat().st_size / 1e6)
            bundle.unlink()
    return Row(SECTION, f"peak memory of verify S={subjects}", f"{small} ballots", f"{large} ballots",
               [peaks[0]["peak_kb"] / 1024], [peaks[1]["peak_kb"] / 1024], unit="MB", goal="< 1.2",
               notes=f"public bundle, not tallied, {subjects} subjects (T = {3 * subjects + 1} A_t's a ballot); "
                     f"peak resident set of a fresh process",
               extra={"growth_over_start_mb": [(p["peak_kb"] - p["before_kb"]) / 1024 for p in peaks],
                      "bundle_mb": sizes})


#: run in a fresh process: the verifier's A_t store fed N ballots of T A_t's as ballot_proofs
#: feeds it, then asked for reuses; prints the growth of the peak resident set, in kB
_A_T_STORE = """
import os, sys
from votingapp.audit import verify
def kb(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field))
n, T = int(sys.argv[1]), int(sys.argv[2])
before = kb("VmRSS:")
points = verify._APoints(None, set(), T, verify._verifiable_entry)
for number in range(1, n + 1):
    block = os.urandom(32 * T)
    points.add(number, [block[32 * t:32 * t + 32] for t in range(T)], False)
assert points.reused(n) == (0, -1, None)
points.close()
print(kb("VmHWM:") - before)
"""


def a_t_store_row(small: int, large: int, subjects: int = 15) -> Row:
    """The part of verify's memory that grew with the ballots (ballot_proofs' A_t digests), at
    15 subjects without sealing a ballot: random points, fed to the real store."""
    T = 3 * subjects + 1
    growth = [int(subprocess.run([sys.executable, "-c", _A_T_STORE, str(n), str(T)], cwd=ROOT, check=True,
                                 capture_output=True, text=True).stdout) / 1024 for n in (small, large)]
    return Row(SECTION, f"verify's A_t store S={subjects}", f"{small} ballots", f"{large} ballots",
               [growth[0]], [growth[1]], unit="MB", goal="~1 (flat)",
               notes=f"growth of the peak resident set while {T} random A_t's a ballot are fed and searched "
                     f"for reuses (no proofs checked), a fresh process each")


def measure(options) -> list[Row]:
    quick = bool(getattr(options, "quick", False))
    rounds = 1 if quick else getattr(options, "rounds", 3)
    meeting = getattr(options, "meeting", 50 if quick else 500)
    tally = getattr(options, "tally", 500 if quick else 10_000)
    small, _ = make_session(3)
    session, dealing = make_session(15)
    rows = []

    ballots_3, ballots_15 = sealed_ballots(small, 20), sealed_ballots(session, meeting)
    rows.append(Row(SECTION, "verify one ballot (median)", "S=3", "S=15",
                    [verify_one_ms(small, ballots_3) for _ in range(rounds)],
                    [verify_one_ms(session, ballots_15[:20]) for _ in range(rounds)], unit="ms",
                    goal="S=15 ≈ 17 ms"))
    rows.append(Row(SECTION, f"verify {meeting} × 15", "1 process", "2 processes",
                    [verify_all_seconds(session, ballots_15, 1) for _ in range(rounds)],
                    [verify_all_seconds(session, ballots_15, 2) for _ in range(rounds)],
                    goal="1 process < 60 s", extra={"cpu_seconds_1_process": list(CPU_SECONDS)}))

    lists = ciphertext_lists(session, 500, tally)
    aggregate, decrypt, cpu = zip(*(tally_seconds(session, dealing, lists) for _ in range(rounds)), strict=True)
    rows.append(Row(SECTION, f"tally {tally} × 15", "aggregate", "aggregate + decrypt",
                    list(aggregate), [a + d for a, d in zip(aggregate, decrypt, strict=True)], goal="total ≤ 15 s",
                    extra={"cpu_seconds_total": list(cpu)}))

    if shutil.which("node"):
        sums = V.aggregate(session, lists[:10])
        runs = [node_seal_ms(session, dealing, sums) for _ in range(rounds)]
        rows.append(Row(SECTION, "node seal S=15", "later seals", "first seal",
                        [statistics.median(r["later_ms"]) for r in runs], [r["first_ms"] for r in runs], unit="ms",
                        extra={"later_seal_cpu_ms": [r["later_cpu_ms"] for r in runs],
                               "partial_decryption_ms_T46": [r["partial_ms"] for r in runs]}))
    if Path(os.environ.get("CHROMIUM", "/usr/bin/chromium")).exists():
        rows.append(Row(SECTION, "Chromium first seal S=15", "no throttling", "4× CPU throttling",
                        [chromium_first_seal_ms(session, 1) for _ in range(rounds)],
                        [chromium_first_seal_ms(session, 4) for _ in range(rounds)], unit="ms",
                        goal="4× < 1000 ms"))
    # few subjects: 100k proven ballots at 15 subjects take about an hour of CPU to seal and verify;
    # the digests' memory was 8·T bytes an A_t (T = 3·S + 1), so a flat store is flat at any S
    memory_subjects = getattr(options, "memory_subjects", 1 if quick else 3)
    small_board = getattr(options, "memory_ballots", 1000 if quick else 10_000)
    rows.append(verify_memory_row(small_board, 10 * small_board, memory_subjects))
    rows.append(a_t_store_row(small_board, 10 * small_board))
    raw = BUNDLE.read_bytes()
    rows.append(Row(SECTION, "verifiable.bundle.js", "minified", "minified + gzip -9",
                    [float(len(raw))], [float(len(gzip.compress(raw, 9)))], unit="bytes", goal="gzip ≤ 20 KB"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meeting", type=int, default=500, help="ballots of the verified meeting")
    parser.add_argument("--tally", type=int, default=10_000, help="ballots of the tallied session")
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    print(f"{'measure':<34}{'A':<30}{'B':<34}{'B / A':>7}")
    for row in measure(options):
        a, b = statistics.median(row.a_values), statistics.median(row.b_values)
        print(f"{row.name:<34}{f'{row.a_label}: {a:.4g} {row.unit}':<30}"
              f"{f'{row.b_label}: {b:.4g} {row.unit}':<34}{row.ratio_median:>7.2f}  {row.goal}")
        if row.extra:
            print(f"{'':<34}{row.extra}")


if __name__ == "__main__":
    main()
