"""What the last step before a log line or a span leaves the process removes (X1), and what
it keeps so that lines stay useful."""

from __future__ import annotations

import pytest

from services.common.redaction import redact


# rule X1
@pytest.mark.parametrize(
    "phi",
    [
        "jane.doe@example.com",
        "+1 312 555 0142",
        "(312) 555-0187",
        "3125550142",
        "1984-03-07",
        "03/07/1984",
    ],
)
def test_emails_phone_numbers_and_dates_are_removed_X1(phi):
    assert phi not in redact(f"could not reach {phi} today")


# rule X1
def test_verification_codes_and_tokens_are_removed_X1():
    token = "Qm9ndXMtdG9rZW4tZm9yLXRlc3Rpbmctb25seS0xMjM0NTY"
    text = redact(f"code 48213957 and link token {token}")
    assert "48213957" not in text and token not in text


# rule X1
def test_a_query_string_is_removed_but_not_its_path_X1():
    text = redact("GET https://portal.example.org/v1/reports?zip_code=60614&format=csv")
    assert text == "GET https://portal.example.org/v1/reports?[query]"


@pytest.mark.parametrize(
    "kept",
    [
        "0123456789abcdef0123456789abcdef",  # an ID
        "127.0.0.1:50051",  # an address
        "2026-12-01T21:32:17+0000",  # a timestamp
        "/vestibule.identity.v1.IdentityService/SignIn",
        "SELECT accounts.id FROM accounts WHERE accounts.id = ? AND (?, ?)",
    ],
)
def test_ids_addresses_timestamps_methods_and_statements_are_kept(kept):
    assert redact(kept) == kept
