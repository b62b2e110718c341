"""scripts/bench's driver: which sections run, what the table and bench/results.json hold. The
numbers themselves are never asserted (they vary by machine); the shape is."""

from __future__ import annotations

import json

import pytest

from bench import driver
from bench.common import Options, Row, percentile


def test_only_picks_sections_in_their_order_and_refuses_an_unknown_one():
    assert driver.parse(["--only", "sealing,casts"]).sections == ["casts", "sealing"]
    assert driver.parse([]).sections == list(driver.SECTIONS)
    with pytest.raises(SystemExit):
        driver.parse(["--only", "casts,nonsense"])


def test_a_quick_run_writes_apart_from_the_committed_results():
    assert driver.parse(["--quick"]).output == driver.QUICK_RESULTS
    assert driver.parse([]).output == driver.RESULTS


def test_a_section_not_in_this_tree_is_skipped_with_a_note(monkeypatch, capsys):
    monkeypatch.setattr(driver, "SECTIONS", ("no_such_section",))
    rows, skipped = driver.run_sections(["no_such_section"], Options(quick=True))
    assert rows == [] and "no_such_section" in skipped
    assert "skipped" in capsys.readouterr().out


def test_results_hold_each_row_with_its_min_and_median_ratio(tmp_path):
    row = Row("casts", "CPU per request", "trivial GET", "cast", [1.0, 2.0, 4.0], [3.0, 5.0, 9.0], unit="ms",
              goal="≤ 4")
    document = driver.results([row], {"boards": "module not present in this tree"}, Options(rounds=3),
                              driver.machine(), 1.5)
    written = json.loads(json.dumps(document))  # what bench/results.json holds
    [saved] = written["rows"]
    assert (saved["ratio_min"], saved["ratio_median"]) == (3.0, 2.5)
    assert (saved["a_median"], saved["b_median"], saved["goal"]) == (2.0, 5.0, "≤ 4")
    assert written["skipped"] == {"boards": "module not present in this tree"}
    assert {"cpus", "load_average"} <= set(written["machine_before"]) and written["options"]["rounds"] == 3
    assert "cast: 5 ms" in driver.table([row]) and "2.50" in driver.table([row])


def test_percentile_is_the_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.99), percentile([7.0], 0.99)) == (50.0, 99.0, 7.0)
