"""The portal in a real browser: Debian's Chromium driven by Playwright (its own browser
download is never used), every page checked by axe-core at phone and desktop width, with no
horizontal scrolling, and a screenshot of each kept under SCREENSHOTS (printed at the end of
the run, never committed).

Without Chromium the browser tests are skipped, unless VESTIBULE_REQUIRE_BROWSER=1 (as in CI),
when they fail."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM = os.environ.get("VESTIBULE_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("VESTIBULE_REQUIRE_BROWSER") == "1"
SCREENSHOTS = Path(os.environ.get("VESTIBULE_SCREENSHOTS", "build/screenshots")).resolve()
# Phone and desktop (W4).
SIZES = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
# Chromium as root in a container, with nothing reaching out to the network on its own.
ARGUMENTS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_axe = Axe()
# Every page, with its styles and scripts (images apart), under this many bytes transferred.
BUDGET_BYTES = 100 * 1024


def chromium_or_skip() -> str:
    """The Chromium binary, or a skip (a failure when the browser is required)."""
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return CHROMIUM
    message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if REQUIRE_BROWSER:
        pytest.fail(f"{message}, and VESTIBULE_REQUIRE_BROWSER=1")
    pytest.skip(message)


def launched() -> Iterator[Browser]:
    binary = chromium_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=binary, args=ARGUMENTS)
        yield browser
        browser.close()


class Portal:
    """One person's browser on the portal: `open` a path or link, `check` each page seen."""

    def __init__(self, context: BrowserContext, base_url: str, name: str) -> None:
        self.context = context
        self.page: Page = context.new_page()
        self.base_url = base_url.rstrip("/")
        self._folder = SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
        self._seen = 0

    def open(self, path_or_link: str) -> Page:
        """Goes to a path of the portal, or a whole link (from a message)."""
        url = path_or_link if "://" in path_or_link else self.base_url + path_or_link
        self.page.goto(url)
        return self.page

    def transferred(self) -> int:
        """What loading the page took over the network: the document and everything it
        loaded (the Resource Timing API's transfer sizes), images apart."""
        return self.page.evaluate(
            """() => performance.getEntriesByType("navigation").concat(
                performance.getEntriesByType("resource"))
              .filter((entry) => entry.initiatorType !== "img")
              .reduce((sum, entry) => sum + (entry.transferSize || entry.encodedBodySize), 0)"""
        )

    def check(self, name: str) -> None:
        """The page as it is now, at phone and desktop width: no axe-core violation (W2), no
        horizontal scrolling (W4), text at 200% losing nothing (no sideways scrolling either),
        under the budget of 100 KB transferred, and a screenshot of each."""
        transferred = self.transferred()
        assert 0 < transferred < BUDGET_BYTES, f"{name} took {transferred} bytes"
        self._seen += 1
        self._folder.mkdir(parents=True, exist_ok=True)
        for size, viewport in SIZES.items():
            self.page.set_viewport_size(viewport)
            self.page.screenshot(
                path=str(self._folder / f"{self._seen:02d}-{name}-{size}.png"), full_page=True
            )
            found = _axe.run(self.page)
            assert found.violations_count == 0, f"{name} at {size}:\n{found.generate_report()}"
            wider = self.page.evaluate(
                "document.documentElement.scrollWidth > document.documentElement.clientWidth"
            )
            assert not wider, f"{name} at {size} scrolls sideways"
        self._text_at_200_percent(name)
        self.page.set_viewport_size(SIZES["desktop"])

    def _text_at_200_percent(self, name: str) -> None:
        """WCAG 1.4.4: the text twice as large, at desktop width, still fits across."""
        self.page.set_viewport_size(SIZES["desktop"])
        wider = self.page.evaluate(
            """() => {
              const root = document.documentElement;
              const before = root.style.fontSize;
              root.style.fontSize = "200%";
              const wider = root.scrollWidth > root.clientWidth;
              root.style.fontSize = before;
              return wider;
            }"""
        )
        assert not wider, f"{name} with text at 200% scrolls sideways"
