"""One validator for every email and phone the product takes (services.common.contacts): the
gateway's request fields and the services refuse and normalize alike, so nothing accepted is
an address notify would refuse (E1, N1, N2)."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import TypeAdapter, ValidationError

from gateway import schemas
from gateway.schemas.types import _Request
from services.common.contacts import InvalidContact, email_address, phone_number

NOT_EMAILS = ["x@", "a b@example.com", "@example.com", "jane@@example.com", "jane", "jane@example"]
NOT_PHONES = ["555", "call me", "+1 312 555 014", "+999 1234"]
# Typed to find or match what is on file, never kept or sent to: any form is taken.
QUERIES = {
    ("PatientSearch", "email"),
    ("PatientSearch", "phone"),
    ("InformationResetStart", "home_phone"),
}


# rule N1
@pytest.mark.parametrize("value", NOT_EMAILS)
def test_a_malformed_email_is_refused_with_what_to_enter_N1(value):
    with pytest.raises(InvalidContact, match=r"like name@example\.com"):
        email_address(value)


# rule N1
def test_an_email_is_kept_with_its_domain_normalized_N1():
    assert email_address("  Jane.Doe@Example.COM ") == "Jane.Doe@example.com"


# rule N2
@pytest.mark.parametrize("value", NOT_PHONES)
def test_a_malformed_phone_is_refused_with_what_to_enter_N2(value):
    with pytest.raises(InvalidContact, match=r"\+1 312 555 0142"):
        phone_number(value)


# rule N2
@pytest.mark.parametrize("value", ["+1 312 555 0142", "(312) 555-0142", "312.555.0142"])
def test_a_phone_is_kept_in_e164_a_national_number_read_as_us_N2(value):
    assert phone_number(value) == "+13125550142"


def _contact_fields() -> list[tuple[str, str, TypeAdapter]]:
    found = []
    for name in schemas.__all__:
        model = getattr(schemas, name)
        if not (isinstance(model, type) and issubclass(model, _Request)):
            continue
        for field_name, field in model.model_fields.items():
            if "email" in field_name or "phone" in field_name:
                kind = field.annotation
                if field.metadata:
                    kind = Annotated[kind, *field.metadata]  # type: ignore[valid-type]
                found.append((name, field_name, TypeAdapter(kind)))
    return found


CONTACT_FIELDS = _contact_fields()


def test_the_request_shapes_take_emails_and_phones():
    assert len(CONTACT_FIELDS) >= 10


# rule E1, N1
@pytest.mark.parametrize(("model", "field", "adapter"), CONTACT_FIELDS)
def test_every_email_or_phone_field_refuses_what_the_one_validator_refuses_E1_N1(
    model, field, adapter
):
    bad = NOT_EMAILS if "email" in field else NOT_PHONES
    refused = []
    for value in bad:
        try:
            adapter.validate_python(value)
        except ValidationError:
            refused.append(value)
    assert refused == ([] if (model, field) in QUERIES else bad)


# rule E1
def test_a_refused_email_names_what_to_enter_E1():
    with pytest.raises(ValidationError) as refused:
        schemas.Demographics(email="a b@example.com")
    [error] = refused.value.errors()
    assert (error["loc"], error["msg"]) == (
        ("email",),
        "Enter an email address like name@example.com.",
    )
