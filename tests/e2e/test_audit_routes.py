"""The audit trail through the gateway (X2): staff read their practice's trail across services;
paging neither skips nor repeats; a patient sees who acted on their records."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_account_settings import (
    activated_patient_session,
    answer_security_questions,
    bearer,
)
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
from tests.e2e.test_proxy_journeys import MARIA, create_account, verify
from tests.e2e.test_proxy_journeys import PASSWORD as MARIA_PASSWORD

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


def a_representative_and_staff_acted(stack: Stack, jane: dict[str, str]) -> str:
    """Jane invites Maria Lopez as her trusted representative (P3), who accepts and opens
    Jane's record; then the practice's administrator opens it too. Jane's record ID."""
    invited = stack.api.post("/patient/representatives", headers=jane, json=MARIA)
    assert invited.status_code == 201, invited.text
    patient_id = invited.json()["patient_id"]
    token = token_in(stack.wait_for_mail(MARIA["email"], "trusted representative"))
    create_account(
        stack, verify(stack, token, "60614", "1984-03-07").json()["ticket"], MARIA, "MariaLopez"
    )
    signed_in = stack.api.post(
        "/patient/sessions", json={"username": "MariaLopez", "password": MARIA_PASSWORD}
    )
    maria = bearer(signed_in.json()["session_token"])
    answer_security_questions(stack, maria, password=MARIA_PASSWORD)
    assert stack.api.get(f"/patient/records/{patient_id}", headers=maria).status_code == 200
    staff = staff_session(stack)
    assert stack.api.get(f"/practice/patients/{patient_id}", headers=staff).status_code == 200
    return patient_id


# rule X2, P3
def test_the_activity_names_each_actor_as_the_patient_knows_them_X2_P3(stack: Stack):
    jane = activated_patient_session(stack)
    answer_security_questions(stack, jane)
    a_representative_and_staff_acted(stack, jane)

    activity = stack.api.get("/patient/activity", headers=jane).json()["activity"]

    named = {
        (a["actor_kind"], a["actor_name"], a["practice_name"], a["action"], a["right"])
        for a in activity
    }
    practice = "Lakeside Family Medicine"
    assert ("staff", "Avery Admin", practice, "patient.view", None) in named
    assert (
        "representative",
        "Maria Lopez",
        practice,
        "proxy.access",
        "health_records:view",
    ) in named
    assert ("you", None, practice, "proxy.representative.invite", None) in named
    assert {a["actor_kind"] for a in activity} <= {
        "you",
        "staff",
        "representative",
        "not_signed_in",
    }
