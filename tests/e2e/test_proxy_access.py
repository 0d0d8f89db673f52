"""Acting for someone else over HTTPS (P4, P5, P6, X2): the records an account may switch to,
rights enforced on every patient-data route, and staff changing or ending access."""

from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_account_settings import activated_patient_session, answer_security_questions
from tests.e2e.test_enrollment_journey import JANE, staff_session
from tests.service.proxy_support import Link, add_relationship

pytestmark = pytest.mark.e2e

RECORD_ROUTES = "/v1/patient/records/{patient_id}"


def _family(stack: Stack):
    """Jane signed in, guardian of Sam with messages:view only; Ola is no one of hers. Her
    session, the staff session, Jane's record, Sam's and Ola's IDs, and the relationship."""
    jane = activated_patient_session(stack)
    answer_security_questions(stack, jane)
    staff = staff_session(stack)
    me = stack.api.get("/patient/me", headers=jane).json()
    jane_id, practice_id = me["account"]["account_id"], me["enrollments"][0]["practice_id"]
    ids = {}
    for name in ("Sam", "Ola"):
        added = stack.api.post(
            "/practice/patients",
            headers=staff,
            json={**JANE, "first_name": name, "date_of_birth": "2016-04-02", "cell_phone": None},
        )
        assert added.status_code == 201, added.text
        ids[name] = added.json()["patient_id"]
    relationship = add_relationship(
        stack.hosts["proxy"],
        Link(
            ids["Sam"],
            jane_id,
            rights=["messages:view"],
            dependent_born=date(2016, 4, 2),
            practice_id=practice_id,
        ),
    )
    return jane, staff, ids, relationship


# rule P5
def test_an_account_lists_its_own_record_and_those_shared_with_it_P5(stack: Stack):
    jane, _, ids, relationship = _family(stack)
    records = stack.api.get("/patient/records", headers=jane).json()["records"]
    assert [(r["first_name"], r["acting_as"], r["rights"]) for r in records] == [
        ("Jane", "self", None),
        ("Sam", "guardian", ["messages:view"]),
    ]
    assert records[1]["patient_id"] == ids["Sam"] and records[1]["relationship_id"] == relationship


# rule P4, P6
def test_a_proxy_without_the_right_is_refused_until_staff_grant_it_P4_P6(stack: Stack):
    jane, staff, ids, relationship = _family(stack)
    refused = stack.api.get(f"/patient/records/{ids['Sam']}", headers=jane)
    assert refused.status_code == 403 and refused.json()["code"] == "PROXY_RIGHT_MISSING"
    granted = stack.api.put(
        f"/practice/relationships/{relationship}/rights", headers=staff, json={"preset": "full"}
    )
    assert granted.status_code == 200, granted.text
    assert [c["event"] for c in granted.json()["history"]] == ["rights_changed"]
    record = stack.api.get(f"/patient/records/{ids['Sam']}", headers=jane)
    assert record.status_code == 200, record.text
    assert (record.json()["first_name"], record.json()["acting_as"]) == ("Sam", "guardian")


# rule P4, P6
def test_a_revoked_guardian_is_refused_at_once_P4_P6(stack: Stack):
    jane, staff, ids, relationship = _family(stack)
    stack.api.put(
        f"/practice/relationships/{relationship}/rights", headers=staff, json={"preset": "full"}
    )
    ended = stack.api.delete(f"/practice/relationships/{relationship}", headers=staff)
    assert ended.status_code == 200 and ended.json()["status"] == "revoked"
    refused = stack.api.get(f"/patient/records/{ids['Sam']}", headers=jane)
    assert refused.status_code == 403 and refused.json()["code"] == "PROXY_ACCESS_ENDED"
    assert [
        r["acting_as"] for r in stack.api.get("/patient/records", headers=jane).json()["records"]
    ] == ["self"]


# rule P4
def test_every_patient_data_route_refuses_a_proxy_of_another_patient_P4(stack: Stack):
    jane, staff, ids, relationship = _family(stack)
    stack.api.put(
        f"/practice/relationships/{relationship}/rights", headers=staff, json={"preset": "full"}
    )
    routes = [
        (method.upper(), path)
        for path, operations in stack.app.openapi()["paths"].items()
        if path.startswith(RECORD_ROUTES)
        for method in operations
    ]
    assert len(routes) >= 4
    for method, path in routes:
        url = path.replace("{patient_id}", ids["Ola"]).replace("{relationship_id}", relationship)
        answer = stack.api.request(
            method, url.removeprefix("/v1"), headers=jane, json={"preset": "full"}
        )
        assert answer.status_code == 403, (method, path, answer.text)
        assert ids["Ola"] not in answer.text


# rule P4
def test_only_the_patient_manages_who_acts_for_them_P4(stack: Stack):
    jane, staff, ids, relationship = _family(stack)
    stack.api.put(
        f"/practice/relationships/{relationship}/rights", headers=staff, json={"preset": "full"}
    )
    refused = stack.api.get(f"/patient/records/{ids['Sam']}/proxies", headers=jane)
    assert refused.status_code == 403 and refused.json()["code"] == "PATIENT_ONLY"


# rule P6
def test_staff_see_the_family_with_status_rights_and_history_P6(stack: Stack):
    _, staff, ids, relationship = _family(stack)
    family = stack.api.get(f"/practice/patients/{ids['Sam']}/proxies", headers=staff).json()
    [guardian] = family["relationships"]
    assert (guardian["relationship_id"], guardian["kind"], guardian["status"]) == (
        relationship,
        "guardian",
        "active",
    )
    assert guardian["effective_rights"] == ["messages:view"]
    assert family["acting_for"] == []


# rule X2, P5
def test_an_action_for_another_patient_records_both_actor_and_patient_X2_P5(stack: Stack):
    jane, staff, ids, relationship = _family(stack)
    stack.api.put(
        f"/practice/relationships/{relationship}/rights", headers=staff, json={"preset": "full"}
    )
    stack.api.get(f"/patient/records/{ids['Sam']}", headers=jane)
    trail = stack.api.get(
        "/practice/audit", headers=staff, params={"patient_id": ids["Sam"]}
    ).json()["records"]
    access = [r for r in trail if r["action"] == "proxy.access"]
    assert access and access[0]["actor"].startswith("account:")
    assert access[0]["patient_id"] == ids["Sam"]
