"""The audit trail through the gateway (X2): staff read their practice's trail across services;
paging neither skips nor repeats; a patient sees who acted on their records."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_account_settings import answer_security_questions
from tests.e2e.test_enrollment_journey import (
    EMAIL,
    PASSWORD,
    activation_ticket,
    code_in,
    invited_patient,
    staff_session,
    submit_details,
    token_in,
)

pytestmark = pytest.mark.e2e


def whole_trail(stack: Stack, staff: dict[str, str], page_size: int) -> list[tuple[str, int]]:
    seen, token = [], None
    while True:
        params = {"page_size": page_size, **({"page_token": token} if token else {})}
        page = stack.api.get("/practice/audit", headers=staff, params=params)
        assert page.status_code == 200, page.text
        seen += [(r["service"], r["sequence"]) for r in page.json()["records"]]
        token = page.json()["next_page_token"]
        if not token:
            return seen


# rule X2
def test_staff_read_their_practice_trail_across_services_X2(stack: Stack):
    staff = staff_session(stack)
    invited_patient(stack, staff)
    stack.wait_for_mail(EMAIL, "invites you")
    records = stack.api.get("/practice/audit", headers=staff).json()["records"]
    assert "notification.accept" in {r["action"] for r in records}
    assert all(r["actor"] for r in records)


# rule X2
def test_paging_through_the_trail_neither_skips_nor_repeats_X2(stack: Stack):
    staff = staff_session(stack)
    for _ in range(2):
        invited_patient(stack, staff)
    stack.wait_for_mail(EMAIL, "invites you", count=2)
    one_by_one = whole_trail(stack, staff, page_size=1)
    at_once = whole_trail(stack, staff, page_size=200)
    assert len(at_once) >= 2
    assert one_by_one == at_once and len(set(at_once)) == len(at_once)


# rule X2
def test_a_patient_sees_who_acted_on_their_records_X2(stack: Stack):
    staff = staff_session(stack)
    invited_patient(stack, staff)
    ticket = activation_ticket(stack, token_in(stack.wait_for_mail(EMAIL, "invites you")))
    submit_details(stack, ticket)
    code = code_in(stack.wait_for_mail(EMAIL, "code"))
    stack.api.post("/patient/activation/complete", json={"activation_ticket": ticket, "code": code})
    session = stack.api.post(
        "/patient/sessions", json={"username": "JaneDoe84", "password": PASSWORD}
    ).json()["session_token"]
    answer_security_questions(stack, {"authorization": f"Bearer {session}"})  # first sign-in (I3)
    answer = stack.api.get("/patient/activity", headers={"authorization": f"Bearer {session}"})
    assert answer.status_code == 200, answer.text
    actors = {entry["actor"].split(":")[0] for entry in answer.json()["activity"]}
    assert "staff" in actors
