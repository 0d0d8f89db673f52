"""The enrollment funnel report over HTTPS, as JSON and as CSV (E9, E11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import Stack
from tests.e2e.test_enrollment_journey import invited_patient, staff_session

pytestmark = pytest.mark.e2e


def _this_week() -> dict[str, str]:
    today = datetime.now(UTC).astimezone(ZoneInfo("America/Chicago")).date()
    return {
        "start": (today - timedelta(days=3)).isoformat(),
        "end": (today + timedelta(days=3)).isoformat(),
    }


# rule E9, E11
def test_the_funnel_counts_an_invited_patient_in_json_and_csv_E9_E11(stack: Stack):
    staff = staff_session(stack)
    invited_patient(stack, staff)
    report = stack.api.get(
        "/practice/reports/enrollment-funnel", headers=staff, params=_this_week()
    )
    assert report.status_code == 200, report.text
    everyone = report.json()["channels"][0]
    assert (everyone["channel"], everyone["invited"], everyone["rates"]["activated"]) == (
        "all",
        1,
        0.0,
    )
    csv = stack.api.get(
        "/practice/reports/enrollment-funnel",
        headers=staff,
        params={**_this_week(), "format": "csv"},
    )
    assert csv.headers["content-type"].startswith("text/csv")
    header, first, *_ = csv.text.splitlines()
    assert header.startswith("channel,invited,opened,verified,activated,declined,deferred")
    assert first.startswith("all,1,0,0,0,0,0,0,")
