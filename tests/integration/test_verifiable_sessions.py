"""verifiable-v1 sessions at open: the keys dealt (services.verifiable), what is stored and
what is handed out once (docs/formats.md, "verifiable-v1")."""

from __future__ import annotations

import pytest

from votingapp.crypto.verifiable import group
from votingapp.crypto.verifiable.session import check_key_consistency, share_from_bytes
from votingapp.crypto.verifiable.tally import aggregate, partial_decrypt, verify_partial
from votingapp.services import ballots, verifiable

from ..helpers import refused


def _session(make, kind="confidence", policy=None, custody="system", **open_options):
    session = make.session(kind=kind, policy=policy, scheme=verifiable.SCHEME)
    shares = ballots.open_session(session, by="test", custody=custody, **open_options)
    return session, shares


def test_system_custody_stores_one_wrapped_share_whose_key_is_the_session_key(app, make):
    session, shares = _session(make)
    assert shares == []
    public = verifiable.crypto_session(session)
    assert (public.threshold, public.holders) == (1, 1)
    assert public.public_key == public.verification_keys[0] and public.public_key != group.IDENTITY
    check_key_consistency(public)
    share = verifiable.system_share(session, ballots.system_kek())
    assert group.base_mul(share.secret) == public.public_key


def test_committee_custody_hands_out_33_word_cards_any_k_of_which_decrypt(app, make):
    session, shares = _session(make, custody="committee", threshold=2, holders=3, names=["An", "Bình"])
    assert session.wrapped_private_key is None and (session.share_threshold, session.share_count) == (2, 3)
    public = verifiable.crypto_session(session)
    check_key_consistency(public)
    assert [s.number for s in shares] == [1, 2, 3] and [s.holder for s in shares] == ["An", "Bình", ""]
    members = [share_from_bytes(public, verifiable.share_secret_from_words(s.words)) for s in shares]
    assert all(len(s.words.split()) == 33 for s in shares)
    assert [m.index for m in members] == [1, 2, 3]
    sums = aggregate(public, [])
    for member in members:
        verify_partial(public, member.index, partial_decrypt(public, member, sums), sums)


def test_a_typo_in_the_words_is_refused_with_a_clear_code(app, make):
    _, shares = _session(make, custody="committee", threshold=2, holders=2)
    words = shares[0].words.split()
    words[5] = "academic" if words[5] != "academic" else "acid"
    with refused("wrong_shares"):
        verifiable.share_secret_from_words(" ".join(words))


@pytest.mark.parametrize(("kind", "policy", "options"), [
    ("confidence", None, ("tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap")),
    ("confidence", "qd96-2023-lenient", ("tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap", "blank")),
])
def test_the_lenient_policy_gets_a_blank_column(app, make, kind, policy, options):
    session, _ = _session(make, kind=kind, policy=policy)
    assert verifiable.crypto_session(session).options == options


def test_an_unknown_scheme_is_refused(app, make):
    with refused("invalid_input"):
        make.session(kind="motion", scheme="rot13")
