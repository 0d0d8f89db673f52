"""The practice's age rules over HTTPS (P7): its age policy, and the age-out report as JSON and
CSV, of its own practice only (S3)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from deploy.local import demo
from services.proxy.domain import birthday
from tests.e2e.conftest import Stack
from tests.service.proxy_support import Link, add_relationship

pytestmark = pytest.mark.e2e


def staff_of_demo_practice(stack: Stack) -> tuple[dict[str, str], str]:
    credentials = demo.seed(stack.shared)
    answer = stack.api.post(
        "/practice/sessions",
        json={"user_id": credentials.user_id, "password": credentials.password},
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    return {"authorization": f"Bearer {body['session_token']}"}, body["staff"]["practice_id"]


# rule P7
def test_staff_read_and_set_the_age_policy_as_new_versions_P7(stack: Stack):
    staff, _ = staff_of_demo_practice(stack)
    default = stack.api.get("/practice/age-policy", headers=staff)
    assert default.status_code == 200, default.text
    assert (default.json()["version"], default.json()["time_zone"]) == (1, "America/Chicago")
    assert [band["from_age"] for band in default.json()["bands"]] == [0, 12, 18]

    bands = [
        {"from_age": 0, "access": "full"},
        {"from_age": 14, "access": "limited", "rights": ["messages:act"]},
        {"from_age": 19, "access": "none"},
    ]
    changed = stack.api.put("/practice/age-policy", headers=staff, json={"bands": bands})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["version"], changed.json()["bands"][-1]["from_age"]) == (2, 19)
    assert changed.json()["updated_by"].startswith("staff:")

    wrong = stack.api.put(
        "/practice/age-policy",
        headers=staff,
        json={"bands": [{"from_age": 3, "access": "full"}]},
    )
    assert wrong.status_code == 422, wrong.text
    assert [error["field"] for error in wrong.json()["errors"]][:1] == ["bands"]
    assert stack.api.get("/practice/age-policy", headers=staff).json()["version"] == 2


# rule P7 S3
def test_age_out_report_in_json_and_csv_lists_only_the_staff_practice_P7_S3(stack: Stack):
    staff, practice_id = staff_of_demo_practice(stack)
    today = datetime.now(ZoneInfo("America/Chicago")).date()
    ends = today + timedelta(days=20)
    born = birthday(ends, -18)
    kid = stack.api.post(
        "/practice/patients",
        headers=staff,
        json={"first_name": "Sam", "last_name": "Rivera", "date_of_birth": born.isoformat()},
    ).json()["patient_id"]
    ours = add_relationship(
        stack.hosts["proxy"],
        Link(
            kid,
            "guardian-1",
            practice_id=practice_id,
            dependent_born=born,
            proxy_first_name="Maria",
            proxy_last_name="Rivera",
        ),
    )
    add_relationship(
        stack.hosts["proxy"],
        Link("theirs", "guardian-2", practice_id="elsewhere", dependent_born=born),
    )

    report = stack.api.get("/practice/reports/age-out", headers=staff, params={"within_days": 30})
    assert report.status_code == 200, report.text
    assert report.json() == {
        "within_days": 30,
        "age_outs": [
            {
                "relationship_id": ours,
                "patient_id": kid,
                "patient_first_name": "Sam",
                "patient_last_name": "Rivera",
                "proxy_account_id": "guardian-1",
                "guardian_first_name": "Maria",
                "guardian_last_name": "Rivera",
                "ends_on": ends.isoformat(),
                "aged_out": False,
            }
        ],
    }
    sooner = stack.api.get("/practice/reports/age-out", headers=staff, params={"within_days": 19})
    assert sooner.json()["age_outs"] == []

    csv = stack.api.get(
        "/practice/reports/age-out", headers=staff, params={"within_days": 30, "format": "csv"}
    )
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines() == [
        "relationship_id,patient_id,patient_first_name,patient_last_name,proxy_account_id,"
        "guardian_first_name,guardian_last_name,ends_on,aged_out",
        f"{ours},{kid},Sam,Rivera,guardian-1,Maria,Rivera,{ends.isoformat()},no",
    ]
    too_far = stack.api.get("/practice/reports/age-out", headers=staff, params={"within_days": 400})
    assert too_far.status_code == 422
