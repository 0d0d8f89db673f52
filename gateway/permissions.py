"""Which staff permission each practice route needs: the one table, checked on every call."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# Names as identity grants them (S1).
VIEW_PATIENTS = "view_patients"
EDIT_DEMOGRAPHICS = "edit_demographics"
ENROLL_PATIENTS = "enroll_patients"
UNENROLL_PATIENTS = "unenroll_patients"
VIEW_AUDIT = "view_audit"
VIEW_REPORTS = "view_reports"
ISSUE_RESET_TOKENS = "issue_reset_tokens"
MANAGE_PERSONNEL = "manage_personnel"
MANAGE_PRACTICE_SETTINGS = "manage_practice_settings"
MANAGE_PROXIES = "manage_proxies"

# Practice routes a stranger may call: the sign-in steps. Every other one needs a staff session.
PUBLIC_PRACTICE_ROUTES = frozenset(
    {("POST", "/v1/practice/sessions"), ("POST", "/v1/practice/sessions/continue")}
)

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
    ("PUT", "/v1/practice/relationships/{relationship_id}/rights"): MANAGE_PROXIES,
    ("DELETE", "/v1/practice/relationships/{relationship_id}"): MANAGE_PROXIES,
    ("POST", "/v1/practice/patients/search"): VIEW_PATIENTS,
    ("GET", "/v1/practice/patients/{patient_id}/dashboard"): VIEW_PATIENTS,
    ("POST", "/v1/practice/patients/{patient_id}/unenroll"): UNENROLL_PATIENTS,
    ("POST", "/v1/practice/patients/{patient_id}/reactivate"): UNENROLL_PATIENTS,
    ("GET", "/v1/practice/audit"): VIEW_AUDIT,
    ("POST", "/v1/practice/staff/me/password"): None,
    ("GET", "/v1/practice/staff"): MANAGE_PERSONNEL,
    ("POST", "/v1/practice/staff"): MANAGE_PERSONNEL,
    ("GET", "/v1/practice/staff/{staff_id}"): MANAGE_PERSONNEL,
    ("PATCH", "/v1/practice/staff/{staff_id}"): MANAGE_PERSONNEL,
    ("POST", "/v1/practice/staff/{staff_id}/deactivate"): MANAGE_PERSONNEL,
    ("GET", "/v1/practice/security-policy"): MANAGE_PRACTICE_SETTINGS,
    ("PUT", "/v1/practice/security-policy"): MANAGE_PRACTICE_SETTINGS,
    ("GET", "/v1/practice/password-policy"): MANAGE_PRACTICE_SETTINGS,
    ("PUT", "/v1/practice/password-policy"): MANAGE_PRACTICE_SETTINGS,
    ("POST", "/v1/practice/patients/{patient_id}/events"): ENROLL_PATIENTS,
    ("POST", "/v1/practice/patients/{patient_id}/unlock-activation"): ENROLL_PATIENTS,
    ("POST", "/v1/practice/patients/{patient_id}/password-reset-token"): ISSUE_RESET_TOKENS,
    ("GET", "/v1/practice/auto-invitations"): VIEW_PATIENTS,
    ("GET", "/v1/practice/reports/enrollment-funnel"): VIEW_REPORTS,
    ("GET", "/v1/practice/match-requests"): VIEW_PATIENTS,
    ("POST", "/v1/practice/match-requests/{match_request_id}/link"): ENROLL_PATIENTS,
    ("GET", "/v1/practice/branding"): MANAGE_PRACTICE_SETTINGS,
    ("PUT", "/v1/practice/branding"): MANAGE_PRACTICE_SETTINGS,
    ("GET", "/v1/practice/settings"): MANAGE_PRACTICE_SETTINGS,
    ("PATCH", "/v1/practice/settings"): MANAGE_PRACTICE_SETTINGS,
    ("GET", "/v1/practice/patient-sign-in-policy"): MANAGE_PRACTICE_SETTINGS,
    ("PUT", "/v1/practice/patient-sign-in-policy"): MANAGE_PRACTICE_SETTINGS,
    ("GET", "/v1/practice/age-policy"): MANAGE_PRACTICE_SETTINGS,
    ("PUT", "/v1/practice/age-policy"): MANAGE_PRACTICE_SETTINGS,
    ("GET", "/v1/practice/reports/age-out"): VIEW_REPORTS,
    # Inviting a proxy is sending an invitation, as enrolling a patient is (P1, P3, P6).
    ("POST", "/v1/practice/patients/{patient_id}/guardians"): ENROLL_PATIENTS,
    ("POST", "/v1/practice/patients/{patient_id}/representatives"): ENROLL_PATIENTS,
    ("POST", "/v1/practice/relationships/{relationship_id}/resend"): ENROLL_PATIENTS,
}


def required_permission(method: str, route: str) -> str | None:
    """The permission a practice route needs; KeyError for a route not in the table."""
    return PRACTICE_ROUTES[(method, route)]


# The permission each enrollment action needs; the dashboard offers only those the staff member
# holds. Which actions a patient allows is the enrollment service's answer, not decided here.
ACTION_PERMISSIONS: Mapping[str, str] = {
    "enroll_now": ENROLL_PATIENTS,
    "resend_invitation": ENROLL_PATIENTS,
    "unenroll": UNENROLL_PATIENTS,
    "reactivate": UNENROLL_PATIENTS,
}


def permitted_actions(actions: Iterable[str], permissions: frozenset[str]) -> list[str]:
    """The actions, in their order, whose permission the staff member holds; an action not in
    ACTION_PERMISSIONS is never offered."""
    return [a for a in actions if ACTION_PERMISSIONS.get(a) in permissions]
