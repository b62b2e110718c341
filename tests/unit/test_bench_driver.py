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


def test_a_run_of_some_sections_keeps_the_others_rows_with_their_own_provenance():
    old_boards = Row("boards", "verify vs tally", "tally", "verify", [1.0], [1.1])
    old_casts = Row("casts", "CPU per request", "trivial GET", "cast", [1.0], [5.0])
    earlier = json.loads(json.dumps(driver.results([old_boards, old_casts], {}, Options(rounds=5),
                                                   driver.machine(), 9.0, "the earlier run")))
    assert set(earlier["sections"]) == {"boards", "casts"}
    new_casts = Row("casts", "CPU per request", "trivial GET", "cast", [1.0], [3.0])
    document = driver.results([new_casts], {}, Options(rounds=3), driver.machine(), 2.0, "casts again", earlier)
    by_section = {row["section"]: row for row in document["rows"]}
    assert len(document["rows"]) == 2 and by_section["casts"]["ratio_min"] == 3.0
    assert by_section["boards"]["ratio_min"] == 1.1
    assert document["sections"]["boards"]["note"] == "the earlier run"
    assert document["sections"]["casts"]["note"] == "casts again"
    assert document["sections"]["casts"]["options"]["rounds"] == 3


def test_a_file_from_before_per_section_provenance_lends_its_one_run_to_each_section():
    row = Row("boards", "verify vs tally", "tally", "verify", [1.0], [1.2]).as_dict()
    earlier = {"generated": "2026-12-01T03:54:11+00:00", "note": "old", "rows": [row]}
    document = driver.results([], {}, Options(), driver.machine(), 1.0, "", earlier)
    assert document["rows"] == [row] and document["sections"]["boards"]["generated"] == earlier["generated"]


def test_percentile_is_the_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.99), percentile([7.0], 0.99)) == (50.0, 99.0, 7.0)
