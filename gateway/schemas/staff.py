"""The practice's personnel, their permissions and its security policy (S1, S2)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from gateway.schemas.staff_sign_in import Staff, StaffRole
from gateway.schemas.types import Name, Password, Username, _Request

PermissionName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
StaffId = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class NewStaffMember(_Request):
    """A staff member to add (S1): they change this initial password at first sign-in. They get
    their role's preset permissions, `permissions`, and those of the staff member to copy."""

    user_id: Username
    password: Password
    first_name: Name
    last_name: Name
    role: StaffRole = "other"
    permissions: list[PermissionName] = Field(default=[], max_length=32)
    copy_permissions_from_staff_id: StaffId | None = None


class StaffMemberDetails(Staff):
    """A staff member of the practice, as the personnel list shows them."""

    active: bool
    deactivated_at: datetime | None
    second_factor_enrolled: bool
    password_change_required: bool
    created_at: datetime | None


class StaffList(BaseModel):
    """Every staff member of the practice."""

    staff: list[StaffMemberDetails]


class PermissionsUpdate(_Request):
    """The permissions the staff member holds from now on, and their new role if it changes (a
    new role changes no permission by itself)."""

    permissions: list[PermissionName] = Field(max_length=32)
    role: StaffRole | None = None


class PasswordChange(_Request):
    """The signed-in staff member's current password and the new one."""

    current_password: Password
    new_password: Password


class SecurityPolicy(BaseModel):
    """How the practice's staff sign in; `updated_by` is null while it is the default."""

    second_factor_required: bool
    updated_at: datetime | None
    updated_by: str | None


class SecurityPolicyUpdate(_Request):
    """Whether the practice's staff must sign in with a second factor."""

    second_factor_required: bool


class PatientSignInPolicy(BaseModel):
    """How the practice's patients sign in (I4): whether those with the authenticator app on
    are asked for its code at every sign-in, or only from a device they have not remembered;
    and whether they may reset a forgotten password with security questions or with account
    information (I8 b, d; on by default). `updated_by` is null while it is the default."""

    second_factor: Literal["every_sign_in", "new_device"]
    question_reset: bool
    account_information_reset: bool
    updated_at: datetime | None
    updated_by: str | None


class PatientSignInPolicyUpdate(_Request):
    """When the practice's patients are asked for their authenticator code, and optionally
    whether they may reset a password with security questions or account information (left
    out, a switch keeps its value). Current guidance (OWASP ASVS, NIST SP 800-63B) no longer
    trusts knowledge-based answers alone: turn them off once your patients have other ways."""

    second_factor: Literal["every_sign_in", "new_device"]
    question_reset: bool | None = None
    account_information_reset: bool | None = None


class PasswordPolicy(_Request):
    """What the practice asks of passwords (I2): a minimum length of 8 to 64 characters, and
    composition rules that stay off unless the practice turns them on."""

    min_length: int = Field(12, ge=8, le=64)
    require_mixed_case: bool = False
    require_digit: bool = False
    require_symbol: bool = False
