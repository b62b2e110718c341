"""Every single-byte change of a verifiable-v1 bundle's ballots, spoiled ballots and their
randomness, partial decryptions and keys is caught (issue 13, item 6): by the signatures when
the bundle is changed as it is, and by a check inside the cryptography when the forger also
holds the signing key and re-sorts, re-chains and re-signs everything."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from votingapp.audit.bundle import spoiled_entries
from votingapp.audit.verify import verify_bundle
from votingapp.crypto.encoding import b64decode, b64encode

from ..verifiable_bundles import entry_of, flip, make_bundle, resign

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SIGNATURES = {"board_signature", "tally_signature"}
MADE = make_bundle([[0], [1], None], spoiled=[[1]], kind="vote_of_confidence", subject_ids=("DV00001",),
                   threshold=2, holders=3)
BUNDLE = MADE.bundle
assert verify_bundle(BUNDLE).ok


def _entry(bundle, index):
    return b64decode(bundle["board"]["entries"][index]["ballot"])


def _set_entry(bundle, index, raw):
    bundle["board"]["entries"][index] = entry_of(raw)


def _set_spoiled(bundle, which, raw):
    ballot, reveal = MADE.spoiled[0]
    bundle["board"]["spoiled"] = spoiled_entries([(raw, reveal) if which == "ballot" else (ballot, raw)])


def _set_partial(bundle, index, raw):
    bundle["tally"]["decryption"]["partials"][index] = b64encode(raw)


def _set_key(bundle, index, raw):
    session = bundle["board"]["session"]
    if index == 0:
        session["public_key"] = b64encode(raw)
    else:
        session["verification_keys"][index - 1] = b64encode(raw)


#: (name, bytes of the honest bundle, setter) for every byte string the change may hit
TARGETS = (
    [(f"entry {i}", _entry(BUNDLE, i), lambda b, raw, i=i: _set_entry(b, i, raw)) for i in range(3)]
    + [("spoiled ballot", MADE.spoiled[0][0], lambda b, raw: _set_spoiled(b, "ballot", raw)),
       ("spoiled reveal", MADE.spoiled[0][1], lambda b, raw: _set_spoiled(b, "reveal", raw))]
    + [(f"partial {i}", b64decode(p), lambda b, raw, i=i: _set_partial(b, i, raw))
       for i, p in enumerate(BUNDLE["tally"]["decryption"]["partials"])]
    + [(f"key {i}", b64decode(k), lambda b, raw, i=i: _set_key(b, i, raw))
       for i, k in enumerate([BUNDLE["board"]["session"]["public_key"],
                              *BUNDLE["board"]["session"]["verification_keys"]])]
)


@FAST
@given(target=st.sampled_from(TARGETS), data=st.data(), value=st.integers(1, 255))
def test_every_single_byte_change_is_caught(target, data, value):
    name, raw, setter = target
    position = data.draw(st.integers(0, len(raw) - 1), label="position")
    changed = copy.deepcopy(BUNDLE)
    setter(changed, flip(raw, position, value))

    as_it_is = set(verify_bundle(changed).failed)
    assert as_it_is, (name, position, value)

    forged = set(verify_bundle(resign(changed)).failed)
    assert forged - SIGNATURES, (name, position, value, forged)
