"""A device as a person knows it: the browser and system its User-Agent names ("Chrome on
Windows"), or the label as given when it names neither."""

from __future__ import annotations

import re

from starlette.requests import Request

from web.i18n import N_
from web.pages import gettext

# First match wins: Edge and Opera say "Chrome" too, and Chrome says "Safari".
BROWSERS = (
    ("Edge", re.compile(r"\bEdg(e|A|iOS)?/")),
    ("Opera", re.compile(r"\bOPR/")),
    ("Firefox", re.compile(r"\b(Firefox|FxiOS)/")),
    ("Chrome", re.compile(r"\b(Chrome|CriOS|HeadlessChrome|Chromium)/")),
    # Safari's own marker is "Version/"; the label may be cut before "Safari/".
    ("Safari", re.compile(r"\b(Safari|Version)/")),
)
SYSTEMS = (
    ("Android", re.compile(r"\bAndroid\b")),
    ("iPhone", re.compile(r"\biPhone\b")),
    ("iPad", re.compile(r"\biPad\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("Mac", re.compile(r"\bMacintosh\b")),
    ("Linux", re.compile(r"\bLinux\b")),
)


def _first(found: tuple[tuple[str, re.Pattern[str]], ...], label: str) -> str:
    return next((name for name, pattern in found if pattern.search(label)), "")


def device_name(request: Request, label: str) -> str:
    """`label` (a User-Agent) in words, in the person's language."""
    browser, system = _first(BROWSERS, label), _first(SYSTEMS, label)
    if browser and system:
        return gettext(request, N_("%(browser)s on %(system)s"), browser=browser, system=system)
    return browser or system or label or gettext(request, N_("An unknown device"))
