import pytest

from votingapp.crypto import keywrap, tokens


def test_tokens_carry_at_least_80_random_bits_without_lookalikes():
    assert tokens.BITS >= 80
    assert not set("01IO") & set(tokens.ALPHABET)
    assert len(set(tokens.ALPHABET)) == 32
    sample = {tokens.new_token() for _ in range(2000)}
    assert len(sample) == 2000
    assert all(len(t) == tokens.LENGTH and set(t) <= set(tokens.ALPHABET) for t in sample)


def test_typed_code_normalizes_to_the_token():
    token = tokens.new_token()
    typed = tokens.format_token(token).lower().replace("-", " ")
    assert tokens.normalize_token(typed) == token
    assert tokens.format_token(token).count("-") == 4


@pytest.mark.parametrize("text", ["", "ABCD", "0" * 20, "I" * 20, None, 12345, "A" * 21])
def test_text_that_cannot_be_a_token_is_refused(text):
    with pytest.raises(tokens.BadTokenFormat):
        tokens.normalize_token(text)


def test_token_hash_differs_from_token_and_is_stable():
    token = tokens.new_token()
    assert tokens.token_hash(token) == tokens.token_hash(token)
    assert token not in tokens.token_hash(token)


def test_receipt_mac_depends_on_token_and_receipt():
    a, b = tokens.new_token(), tokens.new_token()
    assert tokens.receipt_mac(a, "r1") != tokens.receipt_mac(b, "r1")
    assert tokens.receipt_mac(a, "r1") != tokens.receipt_mac(a, "r2")


def test_wrapped_key_opens_only_with_its_kek_and_context():
    kek, secret = keywrap.new_kek(), b"k" * 32
    wrapped = keywrap.wrap_key(kek, secret, "session-1")
    assert secret not in wrapped
    assert keywrap.unwrap_key(kek, wrapped, "session-1") == secret
    with pytest.raises(keywrap.UnwrapFailed):
        keywrap.unwrap_key(keywrap.new_kek(), wrapped, "session-1")
    with pytest.raises(keywrap.UnwrapFailed):
        keywrap.unwrap_key(kek, wrapped, "session-2")
    with pytest.raises(keywrap.UnwrapFailed):
        keywrap.unwrap_key(kek, b"junk", "session-1")
