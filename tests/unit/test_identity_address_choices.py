"""The addresses an account-information reset shows (I8 d, X3): decoys made only from the
shipped lists, in the real address's form, the same for the same seed."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from services.identity.address_choices import SHOWN, STREET_NAMES, STREET_TYPES, choices

REAL = "4410 Wisteria Lane Apt 2"
DECOY = re.compile(
    rf"^\d+ ({'|'.join(STREET_NAMES)}) ({'|'.join([*STREET_TYPES, *STREET_TYPES.values()])})"
    r"( Apt \d+)?$",
    re.IGNORECASE,
)


# rule I8
def test_the_real_address_is_shown_once_at_the_position_given_I8():
    addresses, position = choices("seed", REAL)
    assert len(addresses) == SHOWN
    assert position is not None and addresses[position] == REAL
    assert addresses.count(REAL) == 1


# rule I8, X3
@given(st.text(min_size=1, max_size=40))
def test_decoys_come_only_from_the_shipped_lists_I8_X3(seed):
    addresses, position = choices(seed, REAL)
    decoys = [a for i, a in enumerate(addresses) if i != position]
    assert all(DECOY.match(decoy) for decoy in decoys)
    assert len({d.casefold() for d in decoys}) == SHOWN - 1


# rule I8, X3
def test_without_a_real_address_every_choice_is_a_decoy_I8_X3():
    addresses, position = choices("seed", None)
    assert position is None
    assert len(addresses) == SHOWN and all(DECOY.match(a) for a in addresses)


# rule X3, I8
def test_the_same_seed_gives_the_same_list_and_another_seed_another_X3_I8():
    assert choices("seed", REAL) == choices("seed", REAL)
    assert choices("seed", None)[0] != choices("other seed", None)[0]


# rule I8
def test_decoys_copy_the_real_address_form_I8():
    addresses, position = choices("seed", "1200 W MAIN ST")
    decoys = [a for i, a in enumerate(addresses) if i != position]
    assert all(re.fullmatch(r"\d{4} [A-Z]+ [A-Z]+", decoy) for decoy in decoys)
