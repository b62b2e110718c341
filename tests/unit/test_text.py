"""domain.text: the characters no stored text may hold, and the codes' safe alphabet."""

from __future__ import annotations

import unicodedata

import pytest

from votingapp.catalog import N_
from votingapp.domain.text import BIDI_CONTROLS, Field, TextProblem, clean_code, clean_text

NAME = Field("name", N_("The organization name"))  # its Vietnamese, "Tên tổ chức", is in the catalog
BAD = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\ud800", "\u2028", "\u2029", *sorted(BIDI_CONTROLS)]


@pytest.mark.parametrize("character", BAD, ids=[f"U+{ord(c):04X}" for c in BAD])
def test_a_refused_character_anywhere_in_a_text_is_refused_naming_the_field_and_the_character(character):
    for value in (character + "Chi bộ", "Chi " + character + "bộ", "Chi bộ" + character):
        with pytest.raises(TextProblem) as caught:
            clean_text(value, NAME, max_length=200)
        assert caught.value.field is NAME
        assert caught.value.message_en.startswith("The organization name contains")
        assert caught.value.message_vi.startswith("Tên tổ chức có")
        assert f"U+{ord(character):04X}" in caught.value.message_en


@pytest.mark.parametrize("character", ["\n", "\t", "\r"])
def test_a_one_line_field_refuses_line_breaks_and_tabs(character):
    with pytest.raises(TextProblem):
        clean_text("Chi" + character + "bộ", NAME, max_length=200)


def test_a_multi_line_field_keeps_newlines_and_tabs_and_reads_crlf_as_newline():
    assert clean_text(" Ưu điểm:\r\n\t- đúng hạn\rKhuyết điểm \n", NAME, max_length=200, multiline=True) == \
        "Ưu điểm:\n\t- đúng hạn\nKhuyết điểm"
    with pytest.raises(TextProblem):
        clean_text("Ưu điểm\x00", NAME, max_length=200, multiline=True)


def test_vietnamese_is_kept_nfc_normalised_and_trimmed():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Đông")
    assert len(decomposed) == 19  # ễ is e + circumflex + tilde, ị is i + dot, ô is o + circumflex: 15 + 4
    assert clean_text("  " + decomposed + " ", NAME, max_length=15) == "Nguyễn Thị Đông"


def test_the_length_is_counted_after_normalising_and_trimming():
    assert clean_text(" " + "x" * 200 + " ", NAME, max_length=200) == "x" * 200
    with pytest.raises(TextProblem, match="at most 200 characters"):
        clean_text("x" * 201, NAME, max_length=200)


def test_empty_is_refused_when_required_and_empty_text_otherwise():
    with pytest.raises(TextProblem, match="The organization name is required"):
        clean_text("   ", NAME, max_length=200)
    assert clean_text(None, NAME, max_length=200, required=False) == ""
    with pytest.raises(TextProblem, match="must be a text"):
        clean_text(12, NAME, max_length=200)


@pytest.mark.parametrize("code", ["HU", "SL-01", "DV00001", "TU", "a.b_c-9", "9X"])
def test_the_units_codes_fit_the_safe_alphabet(code):
    assert clean_code(code, NAME, max_length=40) == code


@pytest.mark.parametrize("code", ["SL/01", "SL 01", "SL?01", "SL#1", "SL%2F", ".hidden", "..", "-x", "Đ01", "SL\x00"])
def test_a_code_outside_the_safe_alphabet_is_refused(code):
    with pytest.raises(TextProblem):
        clean_code(code, NAME, max_length=40)


def test_a_code_of_exactly_the_longest_length_fits_and_one_more_does_not():
    assert clean_code("A" * 40, NAME, max_length=40) == "A" * 40
    with pytest.raises(TextProblem):
        clean_code("A" * 41, NAME, max_length=40)
