"""crypto.shares: the counting committee's k-of-n split of a session key (SLIP-39).

Official SLIP-39 vectors (trezor/python-shamir-mnemonic vectors.json, MIT; passphrase
"TREZOR") check our combine path against the reference; our own fixed-secret round trips
check the split we make: every k-subset rebuilds, no k-1 subset does, and typing slips fail.
"""

from __future__ import annotations

import itertools
import random

import pytest

from votingapp.catalog import vietnamese
from votingapp.crypto import sealed
from votingapp.crypto.shares import MAX_HOLDERS, ShareError, check_threshold, combine_shares, normalize_share, split_key

SECRET = bytes.fromhex("3b0e8bd0e2b1d3f1a4e1d2b0c9a8f7e6d5c4b3a29180716253443526170819aa")

#: (shares, master secret hex) from the SLIP-39 reference vectors, passphrase "TREZOR"
VALID_VECTORS = [
    (["duckling enlarge academic academic agency result length solution fridge kidney coal piece deal husband "
      "erode duke ajar critical decision keyboard"], "bb54aac4b89dc868ba37d9cc21b2cece"),
    (["shadow pistol academic always adequate wildlife fancy gross oasis cylinder mustang wrist rescue view short "
      "owner flip making coding armed",
      "shadow pistol academic acid actress prayer class unknown daughter sweater depict flip twice unkind craft "
      "early superior advocate guest smoking"], "b43ceb7e57a0ea8766221624d01b0864"),
    (["theory painting academic academic armed sweater year military elder discuss acne wildlife boring employer "
      "fused large satoshi bundle carbon diagnose anatomy hamster leaves tracks paces beyond phantom capital "
      "marvel lips brave detect luck"], "989baf9dcaad5b10ca33dfd8cc75e42477025dce88ae83e75a230086a0e00e92"),
    (["humidity disease academic always aluminum jewelry energy woman receiver strategy amuse duckling lying "
      "evidence network walnut tactics forget hairy rebound impulse brother survive clothes stadium mailman rival "
      "ocean reward venture always armed unwrap",
      "humidity disease academic agency actress jacket gross physics cylinder solution fake mortgage benefit "
      "public busy prepare sharp friar change work slow purchase ruler again tricycle involve viral wireless "
      "mixture anatomy desert cargo upgrade"], "c938b319067687e990e05e0da0ecce1278f75ff58d9853f19dcaeed5de104aae"),
]
#: (shares, why) the reference vectors say must fail
INVALID_VECTORS = [
    (["duckling enlarge academic academic agency result length solution fridge kidney coal piece deal husband "
      "erode duke ajar critical decision kidney"], "checksum"),
    (["shadow pistol academic always adequate wildlife fancy gross oasis cylinder mustang wrist rescue view short "
      "owner flip making coding armed"], "needed"),
    (["theory painting academic academic armed sweater year military elder discuss acne wildlife boring employer "
      "fused large satoshi bundle carbon diagnose anatomy hamster leaves tracks paces beyond phantom capital "
      "marvel lips brave detect lunar"], "checksum"),
]


@pytest.mark.parametrize("shares, secret", VALID_VECTORS)
def test_official_slip39_vectors_combine_to_their_secret(shares, secret):
    assert combine_shares(shares, passphrase=b"TREZOR").hex() == secret


@pytest.mark.parametrize("shares, why", INVALID_VECTORS)
def test_official_slip39_invalid_vectors_are_refused(shares, why):
    with pytest.raises(ShareError, match=why):
        combine_shares(shares, passphrase=b"TREZOR")


@pytest.mark.parametrize("threshold, count", [(2, 3), (3, 5)])
def test_every_k_subset_in_any_order_rebuilds_the_secret(threshold, count):
    shares = split_key(SECRET, threshold, count)
    assert len(shares) == count and len(set(shares)) == count
    for subset in itertools.combinations(shares, threshold):
        for order in itertools.permutations(subset):
            assert combine_shares(list(order)) == SECRET


@pytest.mark.parametrize("threshold, count", [(2, 3), (3, 5)])
def test_no_subset_of_k_minus_one_shares_rebuilds_it(threshold, count):
    shares = split_key(SECRET, threshold, count)
    for subset in itertools.combinations(shares, threshold - 1):
        with pytest.raises(ShareError, match=f"{threshold} key shares are needed; only {threshold - 1} entered"):
            combine_shares(list(subset))


def test_a_session_key_splits_into_33_word_shares_and_comes_back_as_the_same_key():
    key = sealed.generate_private_key()
    shares = split_key(sealed.private_key_bytes(key), 2, 3)
    assert all(len(share.split()) == 33 for share in shares)
    rebuilt = sealed.private_key_from_bytes(combine_shares(shares[1:]))
    assert sealed.public_key_bytes(rebuilt.public_key()) == sealed.public_key_bytes(key.public_key())


def test_two_splits_of_one_secret_give_different_shares():
    assert not set(split_key(SECRET, 2, 3)) & set(split_key(SECRET, 2, 3))


def test_any_single_changed_word_is_caught_and_named_without_echoing_the_share():
    shares = split_key(SECRET, 2, 3)
    words = shares[1].split()
    rng = random.Random(3)
    for position in range(len(words)):
        changed = list(words)
        changed[position] = rng.choice([w for w in ("academic", "zebra", "lunar", "wolf") if w != words[position]])
        with pytest.raises(ShareError) as refused:
            combine_shares([shares[0], " ".join(changed)])
        said = refused.value.text
        assert "Share 2" in said.en and "Mảnh thứ 2" in said.vi
        # only numbers fill the message: no word of the share can reach it (a log, a page)
        assert all(type(value) is int for value in said.params.values()), said.params
        for message, template in ((said.en, said.msgid), (said.vi, vietnamese(said.msgid))):
            # a share word may occur in the fixed wording by chance ("check", "card"): what
            # the placeholders added holds none, and the share never appears as written
            added = set(message.lower().split()) - set(template.lower().split())
            assert not added & set(words + changed), message
            assert " ".join(changed) not in message and " ".join(words) not in message


def test_a_word_not_in_the_list_is_named_by_its_position():
    shares = split_key(SECRET, 2, 3)
    words = shares[0].split()
    words[6] = "qqqq"
    with pytest.raises(ShareError, match="Share 1: word 7 is not a word of the share list"):
        combine_shares([" ".join(words), shares[1]])


def test_a_share_from_another_split_is_refused_even_among_enough_good_ones():
    shares, other = split_key(SECRET, 2, 3), split_key(SECRET, 2, 3)
    with pytest.raises(ShareError, match="Shares 1 and 2 come from different keys"):
        combine_shares([shares[0], other[1]])
    with pytest.raises(ShareError, match="Shares 1 and 3 come from different keys"):
        combine_shares([shares[0], shares[1], other[2]])


def test_the_same_share_entered_twice_counts_once_and_is_said_so():
    shares = split_key(SECRET, 2, 3)
    with pytest.raises(ShareError, match="Shares 1 and 2 are the same share, entered twice"):
        combine_shares([shares[0], shares[0].upper()])


def test_more_than_k_shares_all_agree_and_rebuild_the_secret():
    shares = split_key(SECRET, 2, 3)
    assert combine_shares(shares) == SECRET


def test_blank_entries_are_no_shares():
    shares = split_key(SECRET, 2, 3)
    assert combine_shares(["", shares[2], "  \n", shares[0]]) == SECRET
    with pytest.raises(ShareError, match="No key share was entered"):
        combine_shares(["", " "])


def test_typed_input_is_normalised_case_spaces_line_breaks_numbers_and_prefixes():
    share = split_key(SECRET, 2, 3)[0]
    words = share.split()
    typed = [
        share.upper(),
        "  " + "   ".join(words) + "\n\n",
        "\n".join(words),
        "\r\n".join(" ".join(words[i:i + 3]) for i in range(0, len(words), 3)),
        "\n".join(f"{i:2d} {word}" for i, word in enumerate(words, start=1)),  # as printed on the card
        " ".join(word[:4] for word in words),  # the first four letters identify each word
        "\t".join(word.capitalize() for word in words),
    ]
    for text in typed:
        assert normalize_share(text) == share


def test_a_pasted_card_drops_its_header_and_footer_lines():
    share = split_key(SECRET, 2, 3)[2]
    words = share.split()
    card = "\n".join([
        "Chi bộ Khu phố 3", "Hội nghị kiểm điểm cuối năm 2026 · 05/12/2026",
        "Mảnh khóa 3/3 — cần 2 mảnh để kiểm phiếu", "Lấy phiếu tín nhiệm năm 2026", "Mã phiên: 0123abcd",
        "Người giữ: Trần Văn Bình",
        *(" ".join(f"{i + j + 1:2d} {w}" for j, w in enumerate(words[i:i + 3])) for i in range(0, 33, 3)),
        "Giữ kín mảnh khóa này: không chụp ảnh, không chia sẻ.",
        "Counting-committee key share: keep it secret. To count the votes, scan the QR code",
        "Người giữ ký nhận: ..........",
    ])
    assert normalize_share(card) == share


def test_diacritics_a_vietnamese_keyboard_adds_are_folded_away():
    share = split_key(SECRET, 2, 3)[0]
    assert normalize_share(share.replace("a", "á").replace("d", "đ")) == share


@pytest.mark.parametrize("threshold, count", [(1, 3), (0, 3), (4, 3), (2, MAX_HOLDERS + 1), ("2", 3), (2.0, 3)])
def test_a_split_needs_two_to_nine_holders_and_at_least_two_to_count(threshold, count):
    with pytest.raises(ShareError, match="2 ≤ k ≤ n ≤ 9"):
        check_threshold(threshold, count)
    with pytest.raises(ShareError):
        split_key(SECRET, threshold, count)


def test_the_widest_split_nine_of_nine_works():
    shares = split_key(SECRET, MAX_HOLDERS, MAX_HOLDERS)
    assert combine_shares(shares[::-1]) == SECRET


@pytest.mark.parametrize("texts", ["one share as a string", [b"bytes"], [None], ["x" * 5000]])
def test_anything_but_a_list_of_short_texts_is_refused_clearly(texts):
    with pytest.raises(ShareError):
        combine_shares(texts)
