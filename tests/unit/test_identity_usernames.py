"""Usernames (I1): 6 to 50 characters, no white space, unique whatever the letter case."""

from __future__ import annotations

import pytest

from services.identity import usernames


@pytest.mark.parametrize("name", ["JaneDoe", "jane.doe+1@home", "Zoë_Ålund", "x" * 50, "123456"])
# rule I1
def test_letters_digits_and_specials_are_accepted_I1(name):
    assert usernames.problem(name) is None


@pytest.mark.parametrize("name", ["short", "x" * 51, "", "jane doe", "jane\tdoe", "jane\u200bdoe"])
# rule I1
def test_wrong_length_or_white_space_is_refused_I1(name):
    assert usernames.problem(name) is not None


def _full_width(text: str) -> str:
    """`text` in full-width forms (U+FF21 and on), as East Asian keyboards may type it."""
    return "".join(chr(ord(char) + 0xFEE0) for char in text)


# rule I1
def test_case_variants_share_one_key_I1():
    assert usernames.username_key("JaneDoe") == usernames.username_key("janedoe")
    assert usernames.username_key("STRASSE") == usernames.username_key("straße")


# rule I1
def test_full_width_letters_share_the_key_of_plain_ones_I1():
    full_width = _full_width("JaneDoe")
    assert usernames.username_key(full_width) == usernames.username_key("janedoe")
    assert usernames.normalize(full_width) == "JaneDoe"
