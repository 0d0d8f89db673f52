"""Request bodies refuse what no service could store, naming the field (E1, I8)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway import schemas


# rule E1
def test_a_nul_character_in_a_patient_field_is_refused_naming_it_E1():
    with pytest.raises(ValidationError) as refused:
        schemas.Demographics(first_name="Ja\x00ne")
    assert [error["loc"] for error in refused.value.errors()] == [("first_name",)]


# rule I8
def test_a_nul_character_in_a_recovery_field_is_refused_naming_it_I8():
    with pytest.raises(ValidationError) as refused:
        schemas.InformationResetStart(
            username="janedoe84",
            first_name="Jane",
            last_name="Doe",
            date_of_birth="1984-03-07",
            home_phone="312\x00",
        )
    assert [error["loc"] for error in refused.value.errors()] == [("home_phone",)]
