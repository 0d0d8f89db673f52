"""Every string of the pages is in the Spanish catalog, translated, with the same placeholders
(W3): a page can never show a Spanish speaker an English sentence it forgot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
METHODS = [("templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def _source_messages() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(
        WEB,
        METHODS,
        keywords=KEYWORDS,
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        found.update([message] if isinstance(message, str) else message)
    return found


SOURCE = sorted(_source_messages())


def _catalog(language: str) -> dict[str, str]:
    with (WEB / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {m.id: m.string for m in read_po(po, locale=language) if m.id}


SPANISH = _catalog("es")


def test_the_pages_have_strings_to_translate():
    assert len(SOURCE) > 50


# rule W3
@pytest.mark.parametrize("message", SOURCE)
def test_every_string_of_the_pages_has_its_spanish_W3(message):
    assert SPANISH.get(message), f"no Spanish for {message!r}: run make translations"


# rule W3
@pytest.mark.parametrize("message", [m for m in SOURCE if PLACEHOLDER.search(m)])
def test_a_translation_keeps_every_placeholder_W3(message):
    assert set(PLACEHOLDER.findall(SPANISH.get(message, ""))) == set(PLACEHOLDER.findall(message))
