"""What scripts/bench runs: pick the sections, run them, print one table, write results.json."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from .common import Options, Row

#: in the order they run; a module another branch has not brought yet is skipped with a note
SECTIONS = ("casts", "boards", "voter_page", "sealing", "verifiable")
RESULTS = Path(__file__).resolve().parent / "results.json"
#: a smoke run's numbers mean little: kept apart from the committed results (and git-ignored)
QUICK_RESULTS = RESULTS.with_name("results-quick.json")
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench", description="Side-by-side measurements, as ratios.")
    parser.add_argument("--quick", action="store_true", help="a smoke run: small sizes, one round")
    parser.add_argument("--only", default="", help=f"comma-separated sections among {', '.join(SECTIONS)}")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved pairs per measure (default 3)")
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
                        help="a PostgreSQL database to make a temporary schema in (default: %(default)s)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--note", default="", help="a line kept in the JSON (the machine's other load, say)")
    parser.add_argument("--output", type=Path, help="where to write the JSON (bench/results.json; "
                        "bench/results-quick.json with --quick)")
    args = parser.parse_args(argv)
    wanted = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(wanted) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose among {', '.join(SECTIONS)}")
    args.output = args.output or (QUICK_RESULTS if args.quick else RESULTS)
    args.sections = [name for name in SECTIONS if not wanted or name in wanted]
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def postgres_reachable(url: str) -> bool:
    try:
        import psycopg
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3):
            return True
    except Exception:  # not installed, not running, refused: the sections run on SQLite only
        return False


def run_sections(names: list[str], options: Options) -> tuple[list[Row], dict]:
    """Rows of every section that could run, and a note per section that did not."""
    rows, skipped = [], {}
    for name in names:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"bench.{name}":
                raise
            skipped[name] = "module not present in this tree"
            print(f"[{name}] skipped: bench/{name}.py is not in this tree", flush=True)
            continue
        print(f"[{name}] measuring…", flush=True)
        started = time.perf_counter()
        found = module.measure(options)
        rows += found
        print(f"[{name}] {len(found)} rows in {time.perf_counter() - started:.0f} s", flush=True)
    return rows, skipped


def _number(value: float, unit: str) -> str:
    if unit == "s" and value < 1:
        return f"{value * 1000:.0f} ms"
    if value >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:.3g} {unit}"


def table(rows: list[Row]) -> str:
    """One line per row: the section, the measure, A and B (median), ratio B/A min and median, goal."""
    header = ("section", "measure", "A (median)", "B (median)", "B/A min", "B/A med", "goal")
    lines = [header]
    for row in rows:
        summary = row.as_dict()
        lines.append((row.section, row.name, f"{row.a_label}: {_number(summary['a_median'], row.unit)}",
                      f"{row.b_label}: {_number(summary['b_median'], row.unit)}", f"{row.ratio_min:.2f}",
                      f"{row.ratio_median:.2f}", row.goal + (f"  ({row.notes})" if row.notes else "")))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line[:-1], widths, strict=True))
                     + "  " + line[-1] for line in lines)


def machine() -> dict:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None}


def results(rows: list[Row], skipped: dict, options: Options, started: dict, seconds: float, note: str = "",
            earlier: dict | None = None) -> dict:
    """The JSON written: when, on what machine (load before and after), with what options. A run of
    some sections (--only) keeps the other sections' rows from `earlier` (the file it replaces),
    each section with the provenance of the run that measured it."""
    run = {"generated": datetime.now(UTC).isoformat(timespec="seconds"), "note": note,
           "machine_before": started, "machine_after": machine(), "seconds": round(seconds, 1),
           "options": {"quick": options.quick, "rounds": options.rounds,
                       "postgres": options.postgres_url is not None}}
    measured = {row.section for row in rows} | set(skipped)
    kept = [row for row in (earlier or {}).get("rows", []) if row["section"] not in measured]
    provenance = {name: value for name, value in _provenance(earlier or {}).items()
                  if name not in measured and any(row["section"] == name for row in kept)}
    provenance.update({name: run for name in sorted(measured)})
    return {**run, "skipped": skipped, "sections": provenance, "rows": kept + [row.as_dict() for row in rows]}


def _provenance(document: dict) -> dict:
    """Each section's run in an earlier file; a file from before per-section provenance had one run."""
    if "sections" in document:
        return document["sections"]
    run = {key: document[key] for key in ("generated", "note", "machine_before", "machine_after", "seconds",
                                          "options") if key in document}
    return {row["section"]: run for row in document.get("rows", [])}


def _earlier(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def main(argv: list[str]) -> int:
    args = parse(argv)
    postgres = None
    if not args.no_postgres and any(name == "casts" for name in args.sections):
        postgres = args.postgres if postgres_reachable(args.postgres) else None
    options = Options(quick=args.quick, rounds=1 if args.quick else args.rounds, postgres_url=postgres)
    before, started = machine(), time.perf_counter()
    print(f"Bench: {before['cpus']} CPUs, load {before['load_average']}, sections {', '.join(args.sections)}"
          f"{' (quick)' if args.quick else ''}", flush=True)
    rows, skipped = run_sections(args.sections, options)
    print()
    print(table(rows))
    earlier = _earlier(args.output) if args.only else None  # a whole run replaces the file
    document = results(rows, skipped, options, before, time.perf_counter() - started, args.note, earlier)
    args.output.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nWritten: {args.output}", file=sys.stderr)
    return 0
