"""What every benchmark shares: pairs timed interleaved, reported as min and median ratios.

A section module (bench/<topic>.py) exposes `measure(options) -> list[Row]`; scripts/bench runs
the sections, prints one table and writes bench/results.json. Numbers vary by machine, so only
ratios measured side by side in one run mean anything; nothing here is asserted by tests.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field


@dataclass
class Row:
    """One line of the table: B measured against A (ratio = B / A), with the goal if any."""
    section: str
    name: str
    a_label: str
    b_label: str
    a_values: list[float]
    b_values: list[float]
    unit: str = "s"
    goal: str = ""
    notes: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio_min(self) -> float:
        return min(self.b_values) / min(self.a_values) if min(self.a_values) else float("inf")

    @property
    def ratio_median(self) -> float:
        a = statistics.median(self.a_values)
        return statistics.median(self.b_values) / a if a else float("inf")

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio_min": self.ratio_min, "ratio_median": self.ratio_median,
                "a_min": min(self.a_values), "a_median": statistics.median(self.a_values),
                "b_min": min(self.b_values), "b_median": statistics.median(self.b_values)}


def timed(run: Callable[[], object]) -> float:
    """Seconds one call takes (wall clock; use cpu_timed for CPU)."""
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def cpu_timed(run: Callable[[], object]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one call in this process: CPU time (user + system) is
    what a shared machine's other load disturbs least."""
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    return time.process_time() - cpu, time.perf_counter() - wall


def interleaved(a: Callable[[], float], b: Callable[[], float], rounds: int = 5) -> tuple[list[float], list[float]]:
    """Run A then B, `rounds` times, alternating so that drift on a shared machine hits both.
    Each callable returns the value it measured (seconds, bytes, ...)."""
    a_values, b_values = [], []
    for _ in range(rounds):
        a_values.append(a())
        b_values.append(b())
    return a_values, b_values


@dataclass
class Options:
    """What scripts/bench passes to every section's measure(): `quick` asks for a smoke run
    (small sizes, one round); `rounds` is how many interleaved pairs to take; `postgres_url`
    is a PostgreSQL database a section may make a schema in (None: SQLite only)."""
    quick: bool = False
    rounds: int = 3
    postgres_url: str | None = None


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (nearest rank; 0.99 is the p99)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered), max(1, math.ceil(fraction * len(ordered)))) - 1]


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process `pid` and its living descendants,
    read from /proc (a server and its workers; Linux only)."""
    total, pending, seen = 0, [pid], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            with open(f"/proc/{current}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    pending.extend(int(child) for child in handle.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue  # it ended between two reads
    return total / _CLOCK_TICKS
