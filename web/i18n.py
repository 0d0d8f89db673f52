"""Languages (W3): English and Spanish, from the browser's Accept-Language or the switch on
every page, which a cookie remembers. Every string goes through gettext; the catalogs are the
`.po` files under `locale/`, read once at start (`make translations` extracts and updates
them)."""

from __future__ import annotations

import functools
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = {"en": "English", "es": "Español"}
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).parent / "locale"


def N_(message: str) -> str:
    """Marks a string for translation where it is defined; `gettext` translates it when used."""
    return message


@functools.cache
def translations(language: str) -> NullTranslations:
    """The catalog of `language`; English is the source text itself."""
    if language == DEFAULT_LANGUAGE:
        return NullTranslations()
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def from_accept_language(header: str) -> str:
    """The first language of the header's preferences (by weight) that the portal speaks."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        language = tag.strip().split("-")[0].lower()
        if language in LANGUAGES and weight > 0:
            weighted.append((-weight, position, language))
    return min(weighted)[2] if weighted else DEFAULT_LANGUAGE
