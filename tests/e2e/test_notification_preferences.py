"""Communication preferences over HTTPS (M5, N4): one per linked practice."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_account_settings import activated_patient_session, answer_security_questions

pytestmark = pytest.mark.e2e


# rule M5, N4
def test_a_patient_chooses_where_a_practices_communications_go_M5_N4(stack: Stack):
    session = activated_patient_session(stack)
    answer_security_questions(stack, session)
    listed = stack.api.get("/patient/notification-preferences", headers=session).json()
    (practice,) = listed["practices"]
    assert (practice["practice_name"], practice["method"]) == ("Lakeside Family Medicine", "email")
    path = f"/patient/notification-preferences/{practice['practice_id']}"
    sms = stack.api.put(path, headers=session, json={"method": "sms"})
    assert sms.status_code == 409, sms.text
    assert sms.json()["code"] == "CELL_PHONE_REQUIRED"
    other = stack.api.put(
        path, headers=session, json={"method": "email", "email": "jane.work@example.com"}
    )
    assert other.status_code == 200, other.text
    assert other.json()["email"] == "jane.work@example.com"


# rule M5
def test_a_practice_the_account_is_not_linked_to_is_not_found_M5(stack: Stack):
    session = activated_patient_session(stack)
    answer_security_questions(stack, session)
    answer = stack.api.put(
        "/patient/notification-preferences/someone-elses", headers=session, json={"method": "email"}
    )
    assert answer.status_code == 404
