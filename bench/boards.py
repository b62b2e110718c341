"""Boards at scale (issue 9 items 5 and 6): the tally against the bare decryption loop, the
verifier against the tally, the peak memory of close, tally and verify at two sizes, and the
time of a close with many other ballots in the table (SQLite, and PostgreSQL when given).

`measure(options)` returns bench.common.Row values; options may carry `quick` (small sizes),
`rounds` and `postgres_url` (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test, where a
schema of its own is made and dropped). Memory is measured in a fresh process per operation
(peak resident set, and its growth over the process before the operation), since one
process's earlier peaks would hide a later one's. Run alone: python -m bench.boards [--quick].
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, insert, text, update

from .common import Row, cpu_timed, interleaved, timed

SECTION = "boards"
ROOT = Path(__file__).resolve().parent.parent
SUBJECTS = 15


# --- building a closed (or open) session of n ballots, fast --------------------------------

def make_app(database_url: str, instance: Path):
    """The app on `database_url` with the schema made (create_all), keys in `instance`."""
    os.environ["VOTINGAPP_INSTANCE"] = str(instance)
    from votingapp import create_app
    from votingapp.extensions import db
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench",
                      "KEY_ENCRYPTION_KEY": (instance / "kek.bin").read_bytes() if (instance / "kek.bin").exists()
                      else _new_kek(instance)})
    with app.app_context():
        db.create_all()
    return app


def _new_kek(instance: Path) -> bytes:
    from votingapp.crypto.keywrap import new_kek
    instance.mkdir(parents=True, exist_ok=True)
    kek = new_kek()
    (instance / "kek.bin").write_bytes(kek)
    return kek


def open_session_with_ballots(app, ballots: int, *, seed: int = 7, tag: str = "") -> str:
    """An open sealed-v2 confidence session (new sessions are verifiable-v1 unless asked; the
    verifiable section measures those) of SUBJECTS people with `ballots` voters present, each
    ballot sealed under its key and stored with its used token, as casts leave them (the cast
    path itself is measured elsewhere); returns the session id."""
    from votingapp.crypto import sealed, tokens
    from votingapp.extensions import db
    from votingapp.models import Attendance, Ballot, Member, Token
    from votingapp.services import ballots as ballot_service
    from votingapp.services import meetings
    rng = random.Random(seed)
    tag = tag or uuid.uuid4().hex[:6]
    with app.app_context():
        organization = meetings.create_organization(f"B-{tag}", f"Chi bộ đo {tag}", "chi-bo", None)
        people = max(ballots, SUBJECTS)
        db.session.execute(insert(Member), [{"code": f"{tag}{i:06d}", "full_name": f"Đảng viên {i}",
                                             "organization_id": organization.id, "gender": "", "post": "",
                                             "is_leader": False, "status": "official"} for i in range(people)])
        db.session.commit()
        meeting = meetings.create_meeting(organization, "Hội nghị đo", date(2026, 12, 5), by="bench")
        db.session.execute(update(Attendance).where(Attendance.meeting_id == meeting.id).values(status="present"))
        db.session.commit()
        members = sorted((row.member for row in meeting.attendance), key=lambda m: m.code)[:SUBJECTS]
        session = ballot_service.create_session(meeting, kind="confidence", title="Lấy phiếu tín nhiệm đo",
                                                subjects=ballot_service.member_subjects(members), by="bench",
                                                scheme=sealed.SCHEME_V2)
        ballot_service.open_session(session, by="bench")
        keys, options = [s.key for s in session.subjects], ("tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap")
        rows, token_rows = [], []
        for _ in range(ballots):
            plaintext = sealed.pad_plaintext({"v": 1, "session": session.id,
                                              "choices": {key: rng.choice(options) for key in keys}},
                                             session.plaintext_size)
            ballot = sealed.seal(plaintext, session.id, session.public_key, scheme=session.scheme)
            rows.append({"receipt": ballot.receipt, "session_id": session.id, "scheme": ballot.scheme,
                         "epk": ballot.epk, "epk_x": ballot.epk_x, "nonce": ballot.nonce, "ct": ballot.ct})
            token_rows.append({"hash": tokens.token_hash(tokens.new_token()), "session_id": session.id,
                               "state": "used"})
            if len(rows) == 5000:
                db.session.execute(insert(Ballot), rows)
                db.session.execute(insert(Token), token_rows)
                rows, token_rows = [], []
        if rows:
            db.session.execute(insert(Ballot), rows)
            db.session.execute(insert(Token), token_rows)
        db.session.commit()
        return session.id


def filler_rows(app, rows: int) -> None:
    """`rows` ballots of another open session: random bytes of a ballot's sizes (never opened)."""
    from votingapp.extensions import db
    from votingapp.models import Ballot
    with app.app_context():
        session_id = open_session_with_ballots(app, 0, tag="F" + uuid.uuid4().hex[:5])
        batch = []
        for _ in range(rows):
            epk, nonce, ct = b"\x04" + os.urandom(64), os.urandom(12), os.urandom(200)
            batch.append({"receipt": hashlib.sha256(epk + nonce + ct).hexdigest(), "session_id": session_id,
                          "scheme": "sealed-v2", "epk": epk, "epk_x": epk[1:33], "nonce": nonce, "ct": ct})
            if len(batch) == 5000:
                db.session.execute(insert(Ballot), batch)
                batch = []
        if batch:
            db.session.execute(insert(Ballot), batch)
        db.session.commit()


# --- the operations, each also runnable in a child process --------------------------------

def op_close(app, session_id: str) -> None:
    from votingapp.extensions import db
    from votingapp.models import BallotSession
    from votingapp.services import ballots
    with app.app_context():
        ballots.close_session(db.session.get(BallotSession, session_id), by="bench")


def op_tally(app, session_id: str) -> None:
    from votingapp.extensions import db
    from votingapp.models import BallotSession
    from votingapp.services import tallying
    with app.app_context():
        tallying.tally_session(db.session.get(BallotSession, session_id), by="bench")


def undo_tally(app, session_id: str) -> None:
    """Back to closed, so the tally can be measured again."""
    from votingapp.extensions import db
    from votingapp.models import BallotSession, Tally
    with app.app_context():
        db.session.execute(Tally.__table__.delete().where(Tally.session_id == session_id))
        db.session.execute(update(BallotSession).where(BallotSession.id == session_id).values(state="closed"))
        db.session.commit()


def write_auditor_bundle(app, session_id: str, path: Path) -> None:
    from votingapp.crypto import sealed
    from votingapp.extensions import db
    from votingapp.models import BallotSession
    from votingapp.services import ballots, publication
    with app.app_context():
        session = db.session.get(BallotSession, session_id)
        key = sealed.private_key_bytes(ballots.session_private_key(session))
        with open(path, "w", encoding="utf-8") as handle:
            if hasattr(publication, "auditor_bundle_text"):
                handle.writelines(publication.auditor_bundle_text(session, key, by="bench"))
            else:  # the code before board-v2: the bundle was one value in memory
                json.dump(publication.auditor_bundle(session, key, by="bench"), handle, ensure_ascii=False)


def op_verify(path: Path) -> int:
    from votingapp.audit.verify import read_bundle, verify_bundle
    report = verify_bundle(read_bundle(str(path)))
    if not report.ok:
        raise RuntimeError(report.text())
    return report.exit_code


def bare_loop_inputs(app, session_id: str):
    """The session's ballots in memory, and a function that opens them all (the crypto floor)."""
    from votingapp.crypto import sealed
    from votingapp.extensions import db
    from votingapp.models import Ballot, BallotSession
    from votingapp.services import ballots
    with app.app_context():
        session = db.session.get(BallotSession, session_id)
        key = ballots.session_private_key(session)
        loaded = [sealed.SealedBallot(row.epk, row.nonce, row.ct, row.scheme)
                  for row in db.session.query(Ballot).filter(Ballot.session_id == session_id)]
    if hasattr(sealed, "Opener"):
        opener = sealed.Opener(key, session_id)
        return lambda: [opener.open(ballot) for ballot in loaded]
    return lambda: [sealed.open_sealed(ballot, session_id, key) for ballot in loaded]


def _peak_rss_kb() -> int:
    """VmHWM: this process image's peak resident set. (ru_maxrss would carry the forking
    parent's peak across exec, and the parent just built a database of sealed ballots.)"""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


def _rss_kb() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def child(argv: list[str]) -> None:
    """python -m bench.boards --child OP DATABASE_URL INSTANCE SESSION [BUNDLE]: run one
    operation and print {"peak_kb", "before_kb"} (resident set)."""
    op, database_url, instance, session_id = argv[:4]
    if op == "verify":
        import votingapp.audit.verify  # noqa: F401 - what the command loads before it reads
        before = _rss_kb()
        op_verify(Path(argv[4]))
    else:
        app = make_app(database_url, Path(instance))
        before = _rss_kb()
        (op_close if op == "close" else op_tally)(app, session_id)
    print(json.dumps({"peak_kb": _peak_rss_kb(), "before_kb": before}))


def in_child(op: str, database_url: str, instance: Path, session_id: str, bundle: Path | None = None) -> dict:
    command = [sys.executable, "-m", "bench.boards", "--child", op, database_url, str(instance), session_id]
    if bundle is not None:
        command.append(str(bundle))
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{op} failed in its process:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the measurements -------------------------------------------------------------------------

def _prepared(folder: Path, ballots: int) -> tuple[str, Path, str]:
    """A SQLite database holding one closed session of `ballots` ballots (and an open copy)."""
    database = folder / f"open-{ballots}.db"
    url, instance = f"sqlite:///{database}", folder / "instance"
    app = make_app(url, instance)
    return url, instance, open_session_with_ballots(app, ballots)


def tally_rows(folder: Path, ballots: int, rounds: int) -> list[Row]:
    """The tally against the bare loop, then `verify` against the tally, each pair interleaved:
    rows of CPU time (this process's user + system, which the machine's other load disturbs
    least), and of wall time."""
    url, instance, session_id = _prepared(folder, ballots)
    app = make_app(url, instance)
    op_close(app, session_id)
    bare = bare_loop_inputs(app, session_id)

    def tally() -> tuple[float, float]:
        undo_tally(app, session_id)
        return cpu_timed(lambda: op_tally(app, session_id))

    bare_times, tally_times = interleaved(lambda: cpu_timed(bare), tally, rounds)
    bundle = folder / "auditor.json"
    write_auditor_bundle(app, session_id, bundle)
    tally_again, verify_times = interleaved(tally, lambda: cpu_timed(lambda: op_verify(bundle)), rounds)
    where = f"{ballots} ballots x {SUBJECTS} subjects, SQLite"
    tally_notes = where + "; the tally reads, checks the chain, opens, counts, signs, stores"
    verify_notes = where + "; verify reads the file and runs every check, recount included"
    rows = []
    for clock, index in (("CPU", 0), ("wall", 1)):
        def pick(values: list[tuple[float, float]], index: int = index) -> list[float]:
            return [value[index] for value in values]
        rows += [Row(SECTION, f"tally vs bare decrypt loop ({clock})", "bare decrypt loop", "tally",
                     pick(bare_times), pick(tally_times), goal="<= 1.2", notes=tally_notes),
                 Row(SECTION, f"verify vs tally ({clock})", "tally", "verify (auditor bundle file)",
                     pick(tally_again), pick(verify_times), goal="<= 1.2", notes=verify_notes)]
    return rows


def memory_rows(folder: Path, small: int, large: int) -> list[Row]:
    peaks: dict[str, list[dict]] = {"close": [], "tally": [], "verify": []}
    for ballots in (small, large):
        url, instance, session_id = _prepared(folder, ballots)
        peaks["close"].append(in_child("close", url, instance, session_id))
        peaks["tally"].append(in_child("tally", url, instance, session_id))
        bundle = folder / f"auditor-{ballots}.json"
        write_auditor_bundle(make_app(url, instance), session_id, bundle)
        peaks["verify"].append(in_child("verify", url, instance, session_id, bundle))
        peaks.setdefault("bundle_mb", []).append(bundle.stat().st_size / 1e6)
        bundle.unlink()
    rows = []
    for op in ("close", "tally", "verify"):
        small_peak, large_peak = peaks[op]
        rows.append(Row(SECTION, f"peak memory of {op}", f"{small} ballots", f"{large} ballots",
                        [small_peak["peak_kb"] / 1024], [large_peak["peak_kb"] / 1024], unit="MB", goal="< 1.2",
                        notes="peak resident set of a fresh process",
                        extra={"growth_over_start_mb": [(p["peak_kb"] - p["before_kb"]) / 1024
                                                        for p in (small_peak, large_peak)],
                               "bundle_mb": peaks["bundle_mb"]}))
    return rows


def close_rows(folder: Path, ballots: int, others: int, rounds: int, database_url: str, label: str) -> Row:
    """Close of one session of `ballots` ballots: with the table holding only it, then (other
    sessions of the same size each round) beside `others` rows of another session."""
    app = make_app(database_url, folder / "instance")
    alone_id = open_session_with_ballots(app, ballots)
    alone = [timed(lambda: op_close(app, alone_id))]
    filler_rows(app, others)
    crowded = []
    for _ in range(rounds):
        crowded_id = open_session_with_ballots(app, ballots)
        crowded.append(timed(lambda session_id=crowded_id: op_close(app, session_id)))
    return Row(SECTION, f"close beside {others} other ballots ({label})", "only its own ballots in the table",
               f"+{others} other rows", alone, crowded, goal="~1 (no whole-table work)",
               notes=f"{ballots} ballots in the closing session")


def _postgres_schema(base_url: str):
    schema = "bench_" + uuid.uuid4().hex[:10]
    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    joiner = "&" if "?" in base_url else "?"

    def drop():
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()
    return f"{base_url}{joiner}options=-csearch_path%3D{schema}", drop


def measure(options) -> list[Row]:
    quick = bool(getattr(options, "quick", False))
    only = getattr(options, "only", None)
    rounds = int(getattr(options, "rounds", 0) or (2 if quick else 3))
    timed_size, small, large = (1000, 1000, 10000) if quick else (10000, 10000, 100000)
    others = 10000 if quick else 100000
    rows: list[Row] = []
    folder = Path(tempfile.mkdtemp(prefix="bench-boards-"))
    try:
        for part in ("timing", "memory", "close", "pg"):
            (folder / part).mkdir()
        if only in (None, "timing"):
            rows += tally_rows(folder / "timing", timed_size, rounds)
        if only in (None, "memory"):
            rows += memory_rows(folder / "memory", small, large)
        if only in (None, "close"):
            rows.append(close_rows(folder / "close", 1000, others, rounds, f"sqlite:///{folder / 'close' / 'c.db'}",
                                   "SQLite"))
            postgres = getattr(options, "postgres_url", None) or os.environ.get("BENCH_POSTGRES_URL")
            if postgres:
                url, drop = _postgres_schema(postgres)
                try:
                    rows.append(close_rows(folder / "pg", 1000, others, rounds, url, "PostgreSQL"))
                finally:
                    drop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        child(argv[1:])
        return
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=0)
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--only", choices=("timing", "memory", "close"), default=None)
    args = parser.parse_args(argv)
    for row in measure(args):
        print(json.dumps(row.as_dict(), ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
