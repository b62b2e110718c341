"""verifiable-v1 audit bundles built from the crypto core and the pure board/bundle builders,
as the server writes them (docs/formats.md §16, /work/team/verifiable.md "Board"/"Bundles"/
"Tally document"), with a test signing key: what the verifier tests check and tamper with.

`Forger` holds the signing key, as a dishonest server would: after changing a ballot, a
partial or a key it re-sorts, re-chains and re-signs everything, so that only the checks that
look inside the cryptography can catch the change.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from dataclasses import dataclass, field

from votingapp.audit.bundle import (
    PUBLIC,
    board_entry,
    build_board_header,
    build_bundle,
    bundle_pieces,
    spoiled_entries,
    verifiable_entry,
    verifiable_session_facts,
)
from votingapp.crypto import signing
from votingapp.crypto import verifiable as V
from votingapp.crypto.encoding import b64decode, b64encode
from votingapp.domain import ballot_forms
from votingapp.domain.policy import POLICIES
from votingapp.domain.tally import BLANK, BallotForm, Bases, FormSubject, Marks, tally_document

SIGNING_KEY = signing.new_signing_key()
SIGNED_BY = signing.public_key_of(SIGNING_KEY)


@dataclass
class Made:
    """A verifiable bundle and what made it (the session, shares, ballots) for tampering."""
    bundle: dict
    session: V.Session
    shares: tuple
    ballots: list[bytes]
    spoiled: list[tuple[bytes, bytes]]
    choices: list = field(default_factory=list)
    spoiled_choices: list = field(default_factory=list)


def subjects_of(subject_ids) -> list[dict]:
    return [{"id": s, "name": f"Nguyễn Thị {s[-1]}"} for s in subject_ids]


def make_bundle(choices, *, spoiled=(), threshold=2, holders=3, kind=ballot_forms.CONFIDENCE, policy="qd96-2023",
                subject_ids=("DV00001", "DV00002"), session_id="v-1", members=None, tallied=True,
                dealing=None, extra_present=1, void=1, key=None) -> Made:
    """A public bundle of a verifiable-v1 session: `choices` per cast ballot (an option index
    per subject, None for blank), `spoiled` the same for ballots checked and spoiled."""
    options = ballot_forms.option_ids(kind) + ((BLANK,) if POLICIES[policy].unmarked_subject == BLANK else ())
    dealing = dealing or V.deal_keys(threshold, holders)
    session = dealing.session(session_id, subject_ids, options)
    ballots = [V.seal_ballot(session, c).ballot for c in choices]
    spoiled_pairs = [(sealed.ballot, sealed.reveal) for sealed in (V.seal_ballot(session, c) for c in spoiled)]
    made = Made({}, session, dealing.shares, ballots, spoiled_pairs, list(choices), list(spoiled))
    made.bundle = assemble(made, kind=kind, policy=policy, members=members, tallied=tallied,
                           extra_present=extra_present, void=void, key=key)
    return made


def facts(session: V.Session, kind: str, policy: str, subject_names=None) -> dict:
    base = {"id": session.id, "title": "Lấy phiếu tín nhiệm", "kind": kind, "meeting": "Hội nghị",
            "organization": "Chi bộ 1", "held_on": "2026-12-05", "scheme": "sealed-v2", "public_key": "",
            "plaintext_size": 0, "policy": policy,
            "subjects": subject_names or subjects_of(session.subjects), "options": []}
    return verifiable_session_facts(base, session.public_key, session.threshold, session.verification_keys,
                                    session.options)


def assemble(made: Made, *, kind=ballot_forms.CONFIDENCE, policy="qd96-2023", members=None, tallied=True,
             extra_present=1, void=1, counts_override=None, partials=None, key=None) -> dict:
    """The signed board and tally of `made`'s ballots as the server would publish them
    (signed with `key`, the module's test key unless given)."""
    session, key = made.session, key or SIGNING_KEY
    ordered = sorted(made.ballots, key=V.receipt_of)
    voted, present = len(ordered), len(ordered) + extra_present
    counts = {"summoned": present + 1, "excluded": 0, "base": present + 1, "present": present,
              "tokens_issued": voted + void, "tokens_used": voted, "tokens_void": void}
    header = build_board_header(facts(session, kind, policy), counts, [V.receipt_of(b) for b in ordered],
                                spoiled_entries(made.spoiled))
    board = signing.sign_document(header, key) | {"entries": [entry_of(b) for b in ordered]}
    tally = None
    if tallied:
        sums = V.aggregate(session, [ciphertexts_of(session, b) for b in ordered])
        members = members or list(range(1, session.threshold + 1))
        shares = {share.index: share for share in made.shares}
        partials = partials or {i: V.partial_decrypt(session, shares[i], sums) for i in members}
        numbers = counts_override or V.tally(session, sums, voted, partials)
        tally = tally_of(session, numbers, voted, kind, policy, board, counts, partials, key)
    return json.loads(json.dumps(build_bundle(PUBLIC, board, tally, signing.public_key_of(key))))


def ciphertexts_of(session: V.Session, ballot: bytes) -> list[tuple[bytes, bytes]]:
    """A ballot's (A_t, B_t), read from its bytes without checking them (a forger's tally)."""
    return [(ballot[64 * t:64 * t + 32], ballot[64 * t + 32:64 * t + 64]) for t in range(session.ciphertext_count)]


def tally_of(session: V.Session, numbers, voted: int, kind: str, policy: str, board: dict, counts: dict,
             partials: dict, key=None) -> dict:
    """The signed tally document of §6.4 for the counts n_t."""
    blank, per_subject = V.counts_by_subject(session, numbers)
    marks = Marks(per_subject={s: Counter(c) for s, c in zip(session.subjects, per_subject, strict=True)},
                  invalid=Counter({BLANK: blank}), valid=voted - blank, received=voted)
    subjects = board["session"]["subjects"]
    form = BallotForm(session.id, kind, tuple(FormSubject(s["id"], s["name"]) for s in subjects), 0)
    document = tally_document(marks, form, POLICIES[policy], Bases(
        summoned=counts["summoned"], present=counts["present"], issued=counts["tokens_issued"], base=counts["base"]))
    facts_ = board["session"]
    document["session"].update(title=facts_["title"], meeting=facts_["meeting"], organization=facts_["organization"],
                               held_on=facts_["held_on"])
    document |= {"tokens": {"issued": counts["tokens_issued"], "used": counts["tokens_used"],
                            "void": counts["tokens_void"]}, "board_head": board["head"],
                 "committee": ["Trần Văn Kiểm"], "scheme": V.SCHEME,
                 "decryption": V.Decryption(tuple(sorted(partials)),
                                            tuple(partials[i] for i in sorted(partials))).to_json()}
    return signing.sign_document(document, key or SIGNING_KEY)


def entry_of(ballot: bytes) -> dict:
    """The board entry {receipt, ballot} of these ballot bytes."""
    return board_entry(verifiable_entry(ballot))


def bundle_text(bundle: dict) -> str:
    """The bundle as the server writes it (audit-bundle-v2 order, entries streamed last)."""
    board = {key: value for key, value in bundle["board"].items() if key != "entries"}
    ballots = [verifiable_entry(b64decode(entry["ballot"])) for entry in bundle["board"]["entries"]]
    return "".join(bundle_pieces(PUBLIC, board, ballots, bundle["tally"], b64decode(bundle["signing_key"])))


# --- the forger: changes inside the cryptography, everything re-signed ----------------------

def resign(bundle: dict) -> dict:
    """Re-sort and re-chain the entries, re-sign the board, point the tally at the new head and
    re-sign it: what a server holding the signing key can always do."""
    bundle = copy.deepcopy(bundle)
    board = bundle["board"]
    entries = sorted(board["entries"], key=lambda entry: entry["receipt"])
    board["spoiled"] = sorted(board["spoiled"], key=lambda item: item["receipt"])
    header = {key: value for key, value in board.items() if key not in ("entries", "signature", "head")}
    header["counts"] = {key: value for key, value in header["counts"].items() if key != "ballots"}
    rebuilt = build_board_header(header["session"], header["counts"], [entry["receipt"] for entry in entries])
    rebuilt["spoiled"] = board["spoiled"]
    bundle["board"] = signing.sign_document(rebuilt, SIGNING_KEY) | {"entries": entries}
    if bundle["tally"] is not None:
        tally = {key: value for key, value in bundle["tally"].items() if key != "signature"}
        tally["board_head"] = bundle["board"]["head"]
        bundle["tally"] = signing.sign_document(tally, SIGNING_KEY)
    return bundle


def with_ballot(bundle: dict, index: int, ballot: bytes) -> dict:
    """Entry `index` replaced by these ballot bytes (receipt recomputed), all re-signed."""
    bundle = copy.deepcopy(bundle)
    bundle["board"]["entries"][index] = entry_of(ballot)
    return resign(bundle)


def with_spoiled(bundle: dict, spoiled: list[tuple[bytes, bytes]]) -> dict:
    bundle = copy.deepcopy(bundle)
    bundle["board"]["spoiled"] = spoiled_entries(spoiled)
    return resign(bundle)


def flip(raw: bytes, position: int, value: int = 1) -> bytes:
    """`raw` with the byte at `position` XORed with `value` (1 … 255)."""
    return raw[:position] + bytes([raw[position] ^ value]) + raw[position + 1:]


def entry_bytes(bundle: dict, index: int) -> bytes:
    return b64decode(bundle["board"]["entries"][index]["ballot"])


def partials_of(bundle: dict) -> dict[int, bytes]:
    return V.Decryption.from_json(bundle["tally"]["decryption"]).by_member()


def with_partials(bundle: dict, partials: dict[int, bytes]) -> dict:
    bundle = copy.deepcopy(bundle)
    bundle["tally"]["decryption"] = {"members": sorted(partials),
                                     "partials": [b64encode(partials[i]) for i in sorted(partials)]}
    return resign(bundle)
