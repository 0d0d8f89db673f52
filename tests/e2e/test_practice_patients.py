"""End to end over HTTPS: staff search patients, open a dashboard, unenroll and re-activate."""

from __future__ import annotations

import logging

import pytest

from services.common.logs import JsonFormatter
from tests.e2e.conftest import Stack, eventually
from tests.e2e.test_enrollment_journey import (
    EMAIL,
    JANE,
    activation_ticket,
    code_in,
    invited_patient,
    staff_session,
    submit_details,
    token_in,
)

pytestmark = pytest.mark.e2e


def enrolled_patient(stack: Stack, staff: dict[str, str]) -> str:
    """Jane Doe, invited and activated through the invitation; her patient ID."""
    patient_id = invited_patient(stack, staff)
    ticket = activation_ticket(stack, token_in(stack.wait_for_mail(EMAIL, "invites you")))
    assert submit_details(stack, ticket).status_code == 200
    code = code_in(stack.wait_for_mail(EMAIL, "code"))
    completed = stack.api.post(
        "/patient/activation/complete", json={"activation_ticket": ticket, "code": code}
    )
    assert completed.status_code == 200, completed.text
    return patient_id


# rule S2
def test_staff_find_a_patient_by_part_of_a_name_and_by_mrn_S2(stack: Stack):
    staff = staff_session(stack)
    for first, last, mrn in [("Jane", "Doe", "L-1"), ("Ann", "Janssen", "L-2"), ("Bo", "Li", "")]:
        body = {"first_name": first, "last_name": last, "date_of_birth": "1990-01-02"}
        body |= {"mrn": mrn} if mrn else {}
        added = stack.api.post("/practice/patients", headers=staff, json=body)
        assert added.status_code == 201, added.text
    found = stack.api.post("/practice/patients/search", json={"name": "JAN"}, headers=staff)
    assert found.status_code == 200, found.text
    assert [p["last_name"] for p in found.json()["patients"]] == ["Doe", "Janssen"]
    by_mrn = stack.api.post("/practice/patients/search", json={"mrn": "l-2"}, headers=staff).json()
    assert [p["first_name"] for p in by_mrn["patients"]] == ["Ann"]


# rule E3: a record needs who the person is; the rest may follow by Update Now.
def test_an_empty_chart_is_refused_naming_each_missing_field_E3(stack: Stack):
    staff = staff_session(stack)
    refused = stack.api.post("/practice/patients", headers=staff, json={})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in refused.json()["errors"]] == [
        "first_name",
        "last_name",
        "date_of_birth",
    ]


# rule S2
def test_a_search_without_criteria_is_a_problem_naming_them_S2(stack: Stack):
    answer = stack.api.post("/practice/patients/search", json={}, headers=staff_session(stack))
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in answer.json()["errors"]} >= {"name", "mrn", "phone"}


# rule S2, E13, I6, N3
def test_dashboard_unenroll_notice_and_reactivation_S2_E13_I6_N3(stack: Stack):
    staff = staff_session(stack)
    patient_id = enrolled_patient(stack, staff)

    board = stack.api.get(f"/practice/patients/{patient_id}/dashboard", headers=staff)
    assert board.status_code == 200, board.text
    assert board.json()["patient"]["status"] == "enrolled"
    assert [i["state"] for i in board.json()["invitations"]] == ["used"]
    assert board.json()["proxies"] == []
    assert board.json()["actions"] == ["unenroll"]

    unenrolled = stack.api.post(
        f"/practice/patients/{patient_id}/unenroll",
        headers=staff,
        json={"reason": "patient_request"},
    )
    assert unenrolled.status_code == 200, unenrolled.text
    assert unenrolled.json()["status"] == "unenrolled"
    notice = stack.wait_for_mail(EMAIL, "unenrolled you")
    assert "Lakeside Family Medicine" in notice["Subject"]

    again = stack.api.post(
        f"/practice/patients/{patient_id}/unenroll", headers=staff, json={"reason": "inactivity"}
    )
    assert again.status_code == 409
    assert "reactivate" in again.json()["detail"]

    reactivated = stack.api.post(f"/practice/patients/{patient_id}/reactivate", headers=staff)
    assert reactivated.status_code == 200, reactivated.text
    assert reactivated.json()["status"] == "enrolled"
    assert reactivated.json()["account_id"] == unenrolled.json()["account_id"]


# rule I7, S2
def test_the_dashboard_shows_staff_the_patients_username_once_linked_I7_S2(stack: Stack):
    staff = staff_session(stack)
    patient_id = invited_patient(stack, staff)
    board = stack.api.get(f"/practice/patients/{patient_id}/dashboard", headers=staff)
    assert board.json()["username"] is None
    ticket = activation_ticket(stack, token_in(stack.wait_for_mail(EMAIL, "invites you")))
    assert submit_details(stack, ticket).status_code == 200
    code = code_in(stack.wait_for_mail(EMAIL, "code"))
    stack.api.post("/patient/activation/complete", json={"activation_ticket": ticket, "code": code})

    board = stack.api.get(f"/practice/patients/{patient_id}/dashboard", headers=staff)

    assert board.status_code == 200, board.text
    assert board.json()["username"] == "JaneDoe84"


# rule I8
def test_staff_set_and_read_home_phone_and_street_address_I8(stack: Stack):
    staff = staff_session(stack)
    added = stack.api.post(
        "/practice/patients",
        headers=staff,
        json={**JANE, "home_phone": "(312) 555-0187", "street_address": " 12  Oak Street Apt 4 "},
    )
    assert added.status_code == 201, added.text
    patient_id = added.json()["patient_id"]
    read = stack.api.get(f"/practice/patients/{patient_id}", headers=staff).json()
    assert (read["home_phone"], read["street_address"]) == ("+13125550187", "12 Oak Street Apt 4")

    wrong = stack.api.patch(
        f"/practice/patients/{patient_id}", headers=staff, json={"home_phone": "555-01"}
    )
    assert wrong.status_code == 422
    assert [e["field"] for e in wrong.json()["errors"]] == ["home_phone"]
    cleared = stack.api.patch(
        f"/practice/patients/{patient_id}", headers=staff, json={"street_address": None}
    )
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["home_phone"], cleared.json()["street_address"]) == (
        "+13125550187",
        None,
    )


CRITERIA = {"name": "Quenby", "date_of_birth": "1971-05-06", "email": "quenby@example.org"}


def leaks_of(texts: list[str]) -> list[tuple[str, str]]:
    return [(value, text) for text in texts for value in CRITERIA.values() if value in text]


# rule X1
def test_search_criteria_reach_no_log_line_X1(stack: Stack, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO)
    staff = staff_session(stack)
    assert (
        stack.api.post("/practice/patients/search", json=CRITERIA, headers=staff).status_code == 200
    )
    # The test's own HTTP client (httpx) logs the URL it asked for; the system must not.
    ours = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert any(r.name == "vestibule.gateway" for r in ours)
    assert leaks_of([JsonFormatter().format(record) for record in ours]) == []


# rule X1
def test_search_criteria_reach_no_span_X1(stack: Stack, spans):
    staff = staff_session(stack)
    assert (
        stack.api.post("/practice/patients/search", json=CRITERIA, headers=staff).status_code == 200
    )
    # The gateway ends its server span just after the response is sent: wait for it.
    eventually(
        lambda: [
            span
            for span in spans.get_finished_spans()
            if span.attributes.get("http.route") == "/v1/practice/patients/search"
        ]
    )
    texts = []
    for span in spans.get_finished_spans():
        texts += [span.name, *(str(value) for value in span.attributes.values())]
    assert leaks_of(texts) == []
