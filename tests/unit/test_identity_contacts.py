"""Where verification codes go (I5, N2): normalized email and phone, masked hints."""

from __future__ import annotations

import pytest

from services.identity import contacts
from services.identity.errors import InvalidRequest


# rule I5
def test_email_is_normalized_to_one_form_I5():
    assert contacts.normalize_email(" Jane.Doe@EXAMPLE.com ") == "jane.doe@example.com"


def test_invalid_email_names_the_field_without_echoing_it():
    with pytest.raises(InvalidRequest) as raised:
        contacts.normalize_email("jane.doe@")
    assert [v.field for v in raised.value.violations] == ["email"]
    assert "jane.doe" not in raised.value.message


# rule N2
def test_cell_phone_is_stored_in_e164_N2():
    assert contacts.normalize_cell_phone("+1 (415) 555-2671") == "+14155552671"


@pytest.mark.parametrize("phone", ["555-2671", "+1 415", "call me"])
def test_cell_phone_without_country_code_or_invalid_is_refused(phone):
    with pytest.raises(InvalidRequest):
        contacts.normalize_cell_phone(phone)


# rule X1
def test_hints_hide_most_of_the_destination_X1():
    assert contacts.mask_email("jane.doe@example.com") == "j***@example.com"
    assert contacts.mask_phone("+14155552671") == "***-***-2671"
