"""The practice sees how each channel's invitation message is getting on (N1, N5): sent, or
failed with why: the mail server refused the address, or the message was not delivered
within the retention window (the mail server, or notify itself, down all that time)."""

from __future__ import annotations

from datetime import timedelta

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


def _deliveries_now(stack: Stack, staff: dict[str, str], patient_id: str) -> dict[str, dict]:
    dashboard = stack.api.get(f"/practice/patients/{patient_id}/dashboard", headers=staff)
    (invitation,) = dashboard.json()["invitations"]
    return {d["channel"]: d for d in invitation["deliveries"]}


def _given_up_after_the_window(stack: Stack, clock, patient_id: str, channels: set[str]) -> dict:
    """The dashboard's deliveries once the clock has passed the retention window (72 hours)
    and `channels` show as failed. The staff session of before would have expired."""
    clock.shift(timedelta(hours=73))
    staff = staff_session(stack)

    def failed() -> dict | None:
        deliveries = _deliveries_now(stack, staff, patient_id)
        done = all(deliveries[c]["state"] == "failed" for c in channels)
        return deliveries if done else None

    return eventually(failed)


def _enroll_jane(stack: Stack) -> str:
    staff = staff_session(stack)
    patient_id = stack.api.post(
        "/practice/patients", headers=staff, json={**JANE, "email": "jane.doe@example.com"}
    ).json()["patient_id"]
    sent = stack.api.post(f"/practice/patients/{patient_id}/enroll-now", headers=staff)
    assert sent.status_code == 200, sent.text
    return patient_id


# rule N5
def test_an_invitation_email_the_mail_server_never_took_shows_failed_with_why_N5(
    stack: Stack, clock
):
    stack.mail.stop()  # for longer than the retention window
    patient_id = _enroll_jane(stack)
    staff = staff_session(stack)
    # Notify has it (its window starts there) and has tried it.
    eventually(lambda: _deliveries_now(stack, staff, patient_id)["email"]["last_error"])
    deliveries = _given_up_after_the_window(stack, clock, patient_id, {"email"})
    assert deliveries["email"]["last_error"] == (
        "not delivered within 72 hours; last: SMTP unreachable: ConnectionRefusedError"
    )
    assert deliveries["sms"]["state"] == "sent"


# rule N5
def test_an_invitation_notify_never_took_shows_failed_with_why_N5(stack: Stack, clock):
    stack.hosts["notify"].stop(0)  # for longer than the retention window
    patient_id = _enroll_jane(stack)
    deliveries = _given_up_after_the_window(stack, clock, patient_id, {"email", "sms"})
    reason = "not delivered within 72 hours; last: notify UNAVAILABLE"
    assert {c: (d["state"], d["last_error"]) for c, d in deliveries.items()} == {
        "email": ("failed", reason),
        "sms": ("failed", reason),
    }
