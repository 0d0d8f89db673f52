"""Automatic invitations end to end through the real services (E6, N1): an appointment added
after hours is queued, and the invitation is delivered by email when the window opens."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_enrollment_journey import EMAIL, JANE, staff_session, token_in
from tests.moments import next_local

pytestmark = pytest.mark.e2e

TUESDAY_EVENING = next_local(1, 18)  # after the practice's default hours (08:00-17:00)
WEDNESDAY_OPENING = TUESDAY_EVENING + timedelta(hours=14)


# rule E6, N1
def test_an_appointment_added_after_hours_is_delivered_when_the_window_opens_E6_N1(
    stack: Stack, clock
):
    clock.move_to(TUESDAY_EVENING)
    staff = staff_session(stack)
    patient_id = stack.api.post(
        "/practice/patients", headers=staff, json={**JANE, "email": EMAIL}
    ).json()["patient_id"]
    live = stack.api.patch("/practice/settings", headers=staff, json={"auto_invites_enabled": True})
    assert live.status_code == 200, live.text

    recorded = stack.api.post(
        f"/practice/patients/{patient_id}/events",
        headers=staff,
        json={"event": "appointment_added"},
    )
    assert recorded.status_code == 200, recorded.text
    queued = recorded.json()["auto_invitation"]
    assert queued["state"] == "queued"
    assert datetime.fromisoformat(queued["send_after"]) == WEDNESDAY_OPENING
    assert stack.mail_to(EMAIL, "invites you") == []

    clock.move_to(WEDNESDAY_OPENING + timedelta(seconds=1))
    invitation = stack.wait_for_mail(EMAIL, "invites you")
    assert token_in(invitation)
    staff = staff_session(stack)  # the evening's session has ended overnight
    sent = stack.api.get("/practice/auto-invitations?state=sent", headers=staff).json()
    assert [row["patient_id"] for row in sent["auto_invitations"]] == [patient_id]
