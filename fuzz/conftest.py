"""Print how many generated cases each operation got, by status class: a run that only ever
reached 401s or 404s would pass and prove little."""


def pytest_terminal_summary(terminalreporter):
    from .test_api_fuzz import STATUSES

    operations = sorted({operation for operation, _ in STATUSES})
    classes = sorted({status for _, status in STATUSES})
    terminalreporter.write_sep("-", "schemathesis cases by operation and status class")
    terminalreporter.write_line(f"{'operation':58} " + " ".join(f"{c:>5}" for c in classes))
    for operation in operations:
        terminalreporter.write_line(f"{operation:58} " + " ".join(f"{STATUSES[(operation, c)]:5}" for c in classes))
    terminalreporter.write_line(f"{'total':58} " + " ".join(
        f"{sum(n for (_, c2), n in STATUSES.items() if c2 == c):5}" for c in classes)
        + f"  ({sum(STATUSES.values())} cases)")
