"""The last line of defence for logs and traces (X1): text that looks like PHI or a secret is
replaced before it leaves the process.

Log lines and spans are built from IDs, codes and durations only (logs.py allow-lists their
fields); this catches what slips through anyway, such as a library's message that quotes an
address or a token.
"""

from __future__ import annotations

import re

# Order matters: a URL's query string and an email go before the shorter patterns would cut them.
_PATTERNS = (
    (re.compile(r"(?<=\S)\?\w[\w.-]*=[^\s\"']*"), "?[query]"),  # a URL's query string
    (re.compile(r"[^\s@\"'<>(),;:]+@[^\s@\"'<>(),;:]+\.[A-Za-z]{2,}"), "[email]"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b(?!T\d)"), "[date]"),  # a date, not a timestamp
    (re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"), "[date]"),
    # Phone numbers in any format; not the digits inside an ID, a timestamp or an address.
    (re.compile(r"(?<![\w-])[+(]?\d[\d ()-]{8,}\d(?![\w-])"), "[number]"),
    (re.compile(r"\b\d{6,}\b"), "[number]"),  # verification codes and reset tokens
    (re.compile(r"[A-Za-z0-9_-]{40,}"), "[secret]"),  # session tokens, links' tokens, keys
)


def redact(text: str) -> str:
    """`text` with emails, dates, phone numbers, numeric codes, long tokens and query strings
    replaced by placeholders. IDs (32 hexadecimal characters), addresses such as
    127.0.0.1:50051 and timestamps are kept."""
    for pattern, placeholder in _PATTERNS:
        text = pattern.sub(placeholder, text)
    return text
