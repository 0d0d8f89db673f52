"""Usernames and staff user IDs (I1): what they may hold and the key they are unique by."""

from __future__ import annotations

import unicodedata

MIN_LENGTH = 6
MAX_LENGTH = 50
# Letters, marks, numbers, punctuation and symbols; never separators (white space) or controls.
_ALLOWED_CATEGORIES = ("L", "M", "N", "P", "S")


def normalize(username: str) -> str:
    """The username as typed, in Unicode NFKC form (full-width letters become plain ones)."""
    return unicodedata.normalize("NFKC", username)


def username_key(username: str) -> str:
    """The key a username is unique by: NFKC and case-folded, so `JaneDoe` equals `janedoe`."""
    return unicodedata.normalize("NFKC", normalize(username).casefold())


def problem(username: str) -> str | None:
    """What is wrong with a username, in words for the person, or None when it is acceptable."""
    name = normalize(username)
    if not MIN_LENGTH <= len(name) <= MAX_LENGTH:
        return f"Use {MIN_LENGTH} to {MAX_LENGTH} characters."
    if any(unicodedata.category(char)[0] not in _ALLOWED_CATEGORIES for char in name):
        return "Use letters, digits and special characters only, with no spaces."
    return None
