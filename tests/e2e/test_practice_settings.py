"""The practice's settings over HTTPS (E6, I4): one document across enrollment and identity."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_enrollment_journey import staff_session

pytestmark = pytest.mark.e2e


# rule E6, I4
def test_an_administrator_goes_live_with_saturday_mornings_and_new_device_codes_E6_I4(
    stack: Stack,
):
    admin = staff_session(stack)
    changed = stack.api.patch(
        "/practice/settings",
        headers=admin,
        json={
            "auto_invites_enabled": True,
            "auto_invite_hours": [{"day": "saturday", "opens": "09:00", "closes": "12:00"}],
            "second_factor": "new_device",
        },
    )
    assert changed.status_code == 200, changed.text
    read = stack.api.get("/practice/settings", headers=admin).json()
    assert read["auto_invites_enabled"] is True
    assert read["auto_invite_hours"] == [{"day": "saturday", "opens": "09:00", "closes": "12:00"}]
    assert read["second_factor"] == "new_device"
    assert read["time_zone"] == "America/Chicago"
    assert read["updated_by"].startswith("staff:")


# rule E11
def test_an_administrator_sets_the_days_before_a_deferral_reminder_E11(stack: Stack):
    admin = staff_session(stack)
    assert stack.api.get("/practice/settings", headers=admin).json()["deferral_reminder_days"] == 14
    changed = stack.api.patch(
        "/practice/settings", headers=admin, json={"deferral_reminder_days": 21}
    )
    assert changed.status_code == 200, changed.text
    assert stack.api.get("/practice/settings", headers=admin).json()["deferral_reminder_days"] == 21
    refused = stack.api.patch(
        "/practice/settings", headers=admin, json={"deferral_reminder_days": 0}
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["deferral_reminder_days"]


# rule E6
def test_an_unknown_time_zone_answers_a_problem_naming_it_E6(stack: Stack):
    admin = staff_session(stack)
    refused = stack.api.patch(
        "/practice/settings",
        headers=admin,
        json={"time_zone": "Chicago", "second_factor": "new_device"},
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["time_zone"]
    assert stack.api.get("/practice/settings", headers=admin).json()["second_factor"] == (
        "every_sign_in"
    )


# rule N1
def test_an_administrator_brands_the_practices_emails_N1(stack: Stack):
    admin = staff_session(stack)
    logo = "https://lakeside.example.org/logo.png"
    saved = stack.api.put("/practice/branding", headers=admin, json={"logo_url": logo})
    assert saved.status_code == 200, saved.text
    assert stack.api.get("/practice/branding", headers=admin).json()["logo_url"] == logo
    refused = stack.api.put(
        "/practice/branding", headers=admin, json={"logo_url": "http://plain.example.org/x.png"}
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["logo_url"]


# rule I8
def test_an_administrator_turns_the_knowledge_based_resets_off_I8(stack: Stack):
    admin = staff_session(stack)
    before = stack.api.get("/practice/settings", headers=admin).json()
    assert before["question_reset"] is before["account_information_reset"] is True
    changed = stack.api.patch("/practice/settings", headers=admin, json={"question_reset": False})
    assert changed.status_code == 200, changed.text
    assert changed.json()["question_reset"] is False
    assert changed.json()["account_information_reset"] is True
    assert changed.json()["second_factor"] == "every_sign_in"


# rule P7
def test_the_age_of_majority_in_the_settings_is_the_age_policys_P7(stack: Stack):
    admin = staff_session(stack)
    assert stack.api.get("/practice/settings", headers=admin).json()["age_of_majority"] == 18
    changed = stack.api.patch("/practice/settings", headers=admin, json={"age_of_majority": 19})
    assert changed.status_code == 200, changed.text
    assert changed.json()["age_of_majority"] == 19
    policy = stack.api.get("/practice/age-policy", headers=admin).json()
    assert policy["bands"][-1]["from_age"] == 19 and policy["version"] == 2
    refused = stack.api.patch("/practice/settings", headers=admin, json={"age_of_majority": 30})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["age_of_majority"]
