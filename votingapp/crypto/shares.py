"""Split a session private key k-of-n among the counting committee, and rebuild it.

We use SLIP-39 (Trezor's reference implementation, `shamir-mnemonic`) rather than our own
field arithmetic: it is reviewed, has published test vectors, and writes each share as
20-33 words from a 1024-word list with a Reed-Solomon checksum, so a mistyped word is
caught before any arithmetic. One group, k of n members, empty passphrase. A 32-byte
scalar gives 33-word shares. The format is written in docs/formats.md ("key shares").

Typed input is forgiving: any case, extra spaces and line breaks, numbers and punctuation
(the card numbers its words), diacritics a Vietnamese keyboard added, a word's first four
letters (unique in the list), and lines of the card's header pasted along.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

import shamir_mnemonic
from shamir_mnemonic import MnemonicError, Share
from shamir_mnemonic.shamir import ShareGroup
from shamir_mnemonic.wordlist import WORD_INDEX_MAP, WORDLIST

from ..catalog import N_, Text

MIN_THRESHOLD = 2
MAX_HOLDERS = 9
#: PBKDF2 rounds of SLIP-39's passphrase cipher: 10,000 << exponent; the passphrase is
#: empty (the shares alone are the secret), so more rounds would only slow the tally
ITERATION_EXPONENT = 0
MAX_TEXT = 2000  # a whole card pasted is under 1,000 characters
PREFIX_LENGTH = 4  # SLIP-39 words differ in their first four letters
_PREFIXES = {word[:PREFIX_LENGTH]: word for word in WORDLIST}


class KeyShare(NamedTuple):
    """One share as handed out, once: its number i of n, its holder's name (or ""), its words."""
    number: int
    holder: str
    words: str


class ShareError(ValueError):
    """Shares that do not rebuild a key, said without echoing any word of a share (messages
    may reach a log); `text` is the catalog message (`text.en`, `text.vi`)."""

    def __init__(self, text: Text):
        super().__init__(text.en)
        self.text = text


def check_threshold(threshold: object, count: object) -> None:
    """2 ≤ k ≤ n ≤ 9: one share alone must never open the key."""
    if not (type(threshold) is int and type(count) is int and MIN_THRESHOLD <= threshold <= count <= MAX_HOLDERS):
        raise ShareError(N_("The committee key needs k of n shares with %(min_threshold)s ≤ k ≤ n ≤ "
                            "%(max_holders)s.", min_threshold=MIN_THRESHOLD, max_holders=MAX_HOLDERS))


def split_key(secret: bytes, threshold: int, count: int) -> list[str]:
    """`count` shares, any `threshold` of which rebuild `secret`; share i is item i-1."""
    check_threshold(threshold, count)
    groups: list[list[str]] = shamir_mnemonic.generate_mnemonics(1, [(threshold, count)], secret, b"",
                                                                 iteration_exponent=ITERATION_EXPONENT)
    return groups[0]


def normalize_share(text: str) -> str:
    """The share's words, lowercase, one space apart, from what a person typed or pasted."""
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    words = []
    for line in folded.splitlines():
        tokens = [_full_word(token) for token in re.findall(r"[a-z]+", line)]
        known = sum(token in WORD_INDEX_MAP for token in tokens)
        if len(tokens) == 1 or known * 2 >= len(tokens) > 0:  # else a header line of the card
            words.extend(tokens)
    return " ".join(words)


def _full_word(token: str) -> str:
    """A word as typed, or the list word it is the four-letter (or longer) start of."""
    if token in WORD_INDEX_MAP or len(token) < PREFIX_LENGTH:
        return token
    word = _PREFIXES.get(token[:PREFIX_LENGTH])
    return word if word is not None and word.startswith(token) else token


def combine_shares(texts: list[str], *, passphrase: bytes = b"") -> bytes:
    """The secret the shares were split from; ShareError when they cannot rebuild it.

    Blank entries are ignored. More than k shares are accepted and every extra one must
    agree with the others. `passphrase` is always empty for our shares; it exists so the
    official SLIP-39 vectors (passphrase "TREZOR") check this very code."""
    if not isinstance(texts, (list, tuple)) or not all(isinstance(text, str) for text in texts):
        raise ShareError(N_("Shares must be given as a list of texts."))
    if any(len(text) > MAX_TEXT for text in texts):
        raise ShareError(N_("A share is written in at most %(max_text)s characters.", max_text=MAX_TEXT))
    entered = [(number, normalize_share(text)) for number, text in enumerate(texts, start=1)]
    shares = [(number, _parse(number, words)) for number, words in entered if words]
    if not shares:
        raise ShareError(N_("No key share was entered."))
    _check_same_split(shares)
    threshold = shares[0][1].member_threshold
    if len(shares) < threshold:
        raise ShareError(N_("%(threshold)s key shares are needed; only %(n_shares)s entered.",
                            threshold=threshold, n_shares=len(shares)))
    first = [share for _, share in shares[:threshold]]
    ems = _recover(first)
    for number, extra in shares[threshold:]:
        if _recover(first[:-1] + [extra]) != ems:
            raise ShareError(N_("Share %(number)s does not fit with the others.", number=number))
    secret: bytes = ems.decrypt(passphrase)
    return secret


def _parse(number: int, words: str) -> Share:
    for position, word in enumerate(words.split(), start=1):
        if word not in WORD_INDEX_MAP:
            raise ShareError(N_("Share %(number)s: word %(position)s is not a word of the share list; check it "
                                "against the card.", number=number, position=position))
    try:
        share = Share.from_mnemonic(words)
    except MnemonicError:
        count = len(words.split())
        raise ShareError(N_("Share %(number)s has a typing mistake (%(count)s words; the checksum does not match): "
                            "check every word against the card.", number=number, count=count)) from None
    if share.group_count != 1:
        raise ShareError(N_("Share %(number)s is not a counting-committee key share.", number=number))
    return share


def _check_same_split(shares: list[tuple[int, Share]]) -> None:
    first_number, first = shares[0]
    seen: dict[int, int] = {}
    for number, share in shares:
        if share.common_parameters() != first.common_parameters() or \
                share.group_parameters() != first.group_parameters():
            raise ShareError(N_("Shares %(first_number)s and %(number)s come from different keys.",
                                first_number=first_number, number=number))
        if share.index in seen:
            raise ShareError(N_("Shares %(first)s and %(number)s are the same share, entered twice.",
                                first=seen[share.index], number=number))
        seen[share.index] = number


def _recover(shares: list[Share]) -> shamir_mnemonic.EncryptedMasterSecret:
    group = ShareGroup()
    for share in shares:
        group.add(share)
    try:
        return shamir_mnemonic.recover_ems({shares[0].group_index: group})
    except MnemonicError:
        raise ShareError(N_("These shares do not fit together: one of them is wrong.")) from None
