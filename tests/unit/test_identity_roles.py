"""Staff role presets without a database: what a new staff member starts with (S1)."""

from __future__ import annotations

from services.identity.domain import PERMISSIONS, ROLE_PERMISSIONS, StaffRole, initial_permissions


# rule S1
def test_an_administrator_starts_with_every_permission_S1():
    assert initial_permissions(StaffRole.ADMINISTRATOR, []) == sorted(PERMISSIONS)


# rule S1
def test_other_staff_start_with_only_what_they_are_granted_S1():
    assert initial_permissions(StaffRole.OTHER, ["view_reports"]) == ["view_reports"]


# rule S1
def test_the_preset_granted_and_copied_permissions_combine_S1():
    combined = initial_permissions(StaffRole.BILLING, ["enroll_patients"], ["view_audit"])
    assert combined == ["enroll_patients", "view_audit", "view_patients", "view_reports"]


# rule S1
def test_every_preset_names_only_known_permissions_S1():
    assert set(ROLE_PERMISSIONS) == set(StaffRole)
    assert all(preset <= PERMISSIONS for preset in ROLE_PERMISSIONS.values())
