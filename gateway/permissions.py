"""Which staff permission each practice route needs: the one table, checked on every call."""

from __future__ import annotations

from collections.abc import Mapping

# Names as identity grants them (S1).
VIEW_PATIENTS = "view_patients"
EDIT_DEMOGRAPHICS = "edit_demographics"
ENROLL_PATIENTS = "enroll_patients"

# (method, route template) -> permission; None means any signed-in staff member. A practice
# route missing here answers 500 rather than run unchecked (a unit test keeps it complete).
PRACTICE_ROUTES: Mapping[tuple[str, str], str | None] = {
    ("DELETE", "/v1/practice/sessions/current"): None,
    ("POST", "/v1/practice/patients"): EDIT_DEMOGRAPHICS,
    ("GET", "/v1/practice/patients/{patient_id}"): VIEW_PATIENTS,
    ("PATCH", "/v1/practice/patients/{patient_id}"): EDIT_DEMOGRAPHICS,
    ("POST", "/v1/practice/patients/{patient_id}/enroll-now"): ENROLL_PATIENTS,
    ("POST", "/v1/practice/patients/{patient_id}/resend-invitation"): ENROLL_PATIENTS,
    ("GET", "/v1/practice/patients/{patient_id}/proxies"): VIEW_PATIENTS,
}


def required_permission(method: str, route: str) -> str | None:
    """The permission a practice route needs; KeyError for a route not in the table."""
    return PRACTICE_ROUTES[(method, route)]
