"""audit.repeats' digest store: the repeated digests are found whichever partition, file or
split they land in, in the order they were added, and the temporary files are gone after."""

from __future__ import annotations

import random
from collections import Counter

from votingapp.audit import repeats


def _values() -> list[int]:
    """Distinct random digests, with repeats far apart, in one partition split down to every bit
    (many sharing their top 32 bits), a value 20 times, and _NO_KEY (never reported) twice."""
    rng = random.Random(12)
    values = [rng.getrandbits(64) for _ in range(3000)]
    crowded = [(0xABCDEF01 << 32) | rng.getrandbits(32) for _ in range(40)]
    values[100:140] = crowded
    values[-1] = values[0]  # the first and the last
    values[1500] = values[7]
    values[2000] = crowded[3]  # in the crowded partition
    values[2100:2120] = [values[9]] * 20
    values[50] = values[60] = repeats._NO_KEY
    return values


def test_every_repeat_is_found_across_partitions_files_and_splits(tiny_digest_store):
    folder, _ = tiny_digest_store
    values = _values()
    store = repeats._Digests()
    numbers = store.spill("numbers")
    for start in range(0, len(values), 7):
        store.extend(values[start:start + 7])
        numbers.extend((start,))
    assert store.count == len(values)
    assert any(folder.iterdir()), "the tiny buffers sent the digests to files"
    expected = {value for value, times in Counter(values).items() if times > 1} - {repeats._NO_KEY}
    assert len(expected) == 4
    assert store.repeated() == expected
    assert list(store.in_order()) == values
    assert list(numbers) == list(range(0, len(values), 7))
    store.close()
    assert not any(folder.iterdir())


def test_the_default_sizes_find_the_same_and_a_small_board_stays_in_memory(tmp_path, monkeypatch):
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    values = _values()
    store = repeats._Digests()
    store.extend(values[:100])
    assert not any(tmp_path.iterdir()), "a few digests never leave memory"
    store.extend(values[100:])
    assert store.repeated() == {value for value, times in Counter(values).items() if times > 1} - {0}
    assert list(store.in_order()) == values
    store.close()
    assert not any(tmp_path.iterdir())


def test_no_repeat_is_no_repeat(tiny_digest_store):
    folder, _ = tiny_digest_store
    rng, store = random.Random(3), repeats._Digests()
    values = list({rng.getrandbits(64) | 1 for _ in range(500)})
    assert len(values) == 500
    store.extend(values)
    assert store.repeated() == set()
    store.close()
    assert not any(folder.iterdir())
