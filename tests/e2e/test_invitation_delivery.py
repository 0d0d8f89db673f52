"""The practice sees how each channel's invitation message is getting on (N1, N5): sent, or
failed with why when the mail server refused the address."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Stack, eventually
from tests.e2e.test_enrollment_journey import JANE, staff_session

pytestmark = pytest.mark.e2e


def _deliveries(stack: Stack, staff: dict[str, str], email: str) -> list[dict]:
    patient_id = stack.api.post(
        "/practice/patients", headers=staff, json={**JANE, "email": email}
    ).json()["patient_id"]
    sent = stack.api.post(f"/practice/patients/{patient_id}/enroll-now", headers=staff)
    assert sent.status_code == 200, sent.text

    def settled() -> list[dict] | None:
        dashboard = stack.api.get(f"/practice/patients/{patient_id}/dashboard", headers=staff)
        (invitation,) = dashboard.json()["invitations"]
        states = {d["state"] for d in invitation["deliveries"]}
        return invitation["deliveries"] if states <= {"sent", "failed"} else None

    return eventually(settled)


# rule N1, N5
def test_the_dashboard_shows_each_channel_sent_N1_N5(stack: Stack):
    deliveries = _deliveries(stack, staff_session(stack), "jane.doe@example.com")
    assert sorted((d["channel"], d["state"]) for d in deliveries) == [
        ("email", "sent"),
        ("sms", "sent"),
    ]


# rule N1, N5
def test_a_bounced_invitation_email_shows_as_failed_with_why_N1_N5(stack: Stack):
    deliveries = _deliveries(stack, staff_session(stack), "bounce.jane@example.com")
    email = next(d for d in deliveries if d["channel"] == "email")
    assert (email["state"], email["last_error"]) == ("failed", "SMTP 550: recipient refused")
    assert next(d for d in deliveries if d["channel"] == "sms")["state"] == "sent"
