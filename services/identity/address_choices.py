"""The street addresses an account-information reset (I8 d) shows: the patient's among made-up
decoys, or decoys alone. Decoys come only from the lists below, never from another patient, so
they reveal nothing true about anyone; they copy the real address's form (house-number length,
abbreviated or spelled-out street type, a unit, capitals) so the real one does not stand out.
The same seed always gives the same list, so asking again shows nothing new."""

from __future__ import annotations

import random
import re

SHOWN = 5
STREET_NAMES = (
    "Adams", "Aspen", "Birch", "Cedar", "Center", "Cherry", "Chestnut", "Church", "Cypress",
    "Dogwood", "Elm", "Forest", "Franklin", "Garden", "Grant", "Hickory", "Highland", "Hill",
    "Jackson", "Jefferson", "Juniper", "Lake", "Laurel", "Lincoln", "Madison", "Magnolia",
    "Maple", "Meadow", "Mill", "Monroe", "Oak", "Orchard", "Park", "Pine", "Prairie", "Ridge",
    "River", "School", "Spring", "Spruce", "Sunset", "Sycamore", "Valley", "Walnut", "Willow",
)  # fmt: skip
STREET_TYPES = {
    "Street": "St", "Avenue": "Ave", "Road": "Rd", "Drive": "Dr", "Lane": "Ln", "Court": "Ct",
    "Place": "Pl", "Way": "Way", "Boulevard": "Blvd", "Terrace": "Ter",
}  # fmt: skip
_NUMBER = re.compile(r"^\s*(\d+)")
_UNIT = re.compile(r"\b(apt|unit|suite|ste)\b|#", re.IGNORECASE)


def choices(seed: str, real: str | None) -> tuple[list[str], int | None]:
    """`SHOWN` addresses and the position of `real` among them (None when `real` is None)."""
    rng = random.Random(seed)  # noqa: S311 - decoy layout from a keyed seed, not a secret
    wanted = SHOWN - (real is not None)
    taken = {(real or "").casefold()}
    decoys: list[str] = []
    while len(decoys) < wanted:
        decoy = _decoy(rng, real)
        if decoy.casefold() not in taken:
            taken.add(decoy.casefold())
            decoys.append(decoy)
    if real is None:
        return decoys, None
    position = rng.randrange(SHOWN)
    decoys.insert(position, real)
    return decoys, position


def _decoy(rng: random.Random, real: str | None) -> str:
    number = _NUMBER.match(real or "")
    digits = len(number.group(1)) if number else rng.choice((3, 4))
    words = (real or "").split()
    short = {value.casefold() for value in STREET_TYPES.values()}
    abbreviated = any(word.rstrip(".").casefold() in short for word in words[1:])
    kind = rng.choice(list(STREET_TYPES))
    address = " ".join(
        (
            str(rng.randint(10 ** (digits - 1), 10**digits - 1)),
            rng.choice(STREET_NAMES),
            STREET_TYPES[kind] if abbreviated else kind,
        )
    )
    if real is not None and _UNIT.search(real) and rng.random() < 0.5:
        address += f" Apt {rng.randint(1, 40)}"
    return address.upper() if real is not None and real.isupper() else address
