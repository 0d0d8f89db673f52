"""Practice staff routes: sign-in steps, personnel, own password, security policy (S1, S2, S3).

The practice is always the signed-in staff member's own, never one named by the caller (S3).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status
from vestibule.identity.v1 import identity_pb2

from gateway import convert, schemas
from gateway.auth import STAFF_COOKIE, STAFF_PATH, Principal, set_session_cookie, signed_in_staff
from gateway.clients import Clients, clients
from gateway.problems import Problem
from gateway.ratelimit import rate_limited
from gateway.routes.common import device_label, idempotency_key, problem_responses
from gateway.schemas import FieldError

router = APIRouter(prefix=STAFF_PATH, tags=["practice staff"])

Services = Annotated[Clients, Depends(clients)]
Staff = Annotated[Principal, Depends(signed_in_staff)]
StaffId = Annotated[str, Path(min_length=1, max_length=128)]
Device = Annotated[str, Depends(device_label)]
_SIGNED_IN = problem_responses(401, 403, 404, 409)
ANSWER_FIELDS = ("new_password", "totp_code", "recovery_code")
_SIGN_IN = {
    **problem_responses(401, 409),
    202: {"model": schemas.StaffSignInChallenge, "description": "Another step is needed."},
}


def _signed_in_or_next_step(
    answer: identity_pb2.StaffSignInResponse | identity_pb2.ContinueStaffSignInResponse,
    response: Response,
) -> schemas.StaffSignedIn | schemas.StaffSignInChallenge:
    progress = convert.staff_sign_in(answer)
    if isinstance(progress, schemas.StaffSignInChallenge):
        response.status_code = status.HTTP_202_ACCEPTED
        return progress
    set_session_cookie(
        response,
        name=STAFF_COOKIE,
        path=STAFF_PATH,
        token=progress.session_token,
        expires_at=progress.expires_at,
    )
    return progress


@router.post(
    "/sessions",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(rate_limited("sign_in"))],
    responses=_SIGN_IN,
)
def sign_in(
    body: schemas.StaffSignIn, response: Response, services: Services, device: Device
) -> schemas.StaffSignedIn | schemas.StaffSignInChallenge:
    """Signs a staff member in: 201 with the session (also set as a cookie), or 202 with the
    next step (change the initial password, set up or enter a second factor) and its challenge
    token for `POST /sessions/continue`."""
    answer = services.identity.StaffSignIn(
        identity_pb2.StaffSignInRequest(
            user_id=body.user_id, password=body.password, device_label=device
        )
    )
    return _signed_in_or_next_step(answer, response)


@router.post(
    "/sessions/continue",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(rate_limited("sign_in"))],
    responses=_SIGN_IN,
)
def continue_sign_in(
    body: schemas.StaffSignInContinue, response: Response, services: Services, device: Device
) -> schemas.StaffSignedIn | schemas.StaffSignInChallenge:
    """Answers the step of a sign-in challenge with exactly one of `new_password`, `totp_code`
    or `recovery_code`: 201 with the session, or 202 with the next step."""
    answers = body.answers()
    if len(answers) != 1:
        raise Problem(
            422,
            "INVALID_ARGUMENT",
            "Give exactly one answer: the one the sign-in step asks for.",
            [FieldError(field=name, detail="Give exactly one.") for name in ANSWER_FIELDS],
        )
    answer = services.identity.ContinueStaffSignIn(
        identity_pb2.ContinueStaffSignInRequest(
            challenge_token=body.challenge_token, device_label=device, **answers
        )
    )
    return _signed_in_or_next_step(answer, response)


@router.post("/staff/me/password", status_code=status.HTTP_204_NO_CONTENT, responses=_SIGNED_IN)
def change_own_password(body: schemas.PasswordChange, staff: Staff, services: Services) -> None:
    """Changes the signed-in staff member's own password; the new one must meet the policy."""
    services.identity.ChangeStaffPassword(
        identity_pb2.ChangeStaffPasswordRequest(
            practice_id=staff.practice_id,
            staff_id=staff.principal_id,
            current_password=body.current_password,
            new_password=body.new_password,
        )
    )


@router.get("/staff", responses=_SIGNED_IN)
def list_staff(staff: Staff, services: Services) -> schemas.StaffList:
    """Every staff member of the practice, active and deactivated."""
    answer = services.identity.ListStaffMembers(
        identity_pb2.ListStaffMembersRequest(practice_id=staff.practice_id)
    )
    return schemas.StaffList(staff=[convert.staff_details(m) for m in answer.staff_members])


@router.post("/staff", status_code=status.HTTP_201_CREATED, responses=_SIGNED_IN)
def add_staff_member(
    body: schemas.NewStaffMember,
    staff: Staff,
    services: Services,
    key: Annotated[str, Depends(idempotency_key)],
    response: Response,
) -> schemas.StaffMemberDetails:
    """Adds a staff member (S1) with their role's preset permissions and the ones given,
    optionally with the permissions of another one of the practice; they must change the
    initial password at first sign-in."""
    answer = services.identity.CreateStaffMember(
        identity_pb2.CreateStaffMemberRequest(
            idempotency_key=key,
            practice_id=staff.practice_id,
            user_id=body.user_id,
            password=body.password,
            first_name=body.first_name,
            last_name=body.last_name,
            role=convert.enum_number(identity_pb2.StaffRole, body.role),
            permissions=body.permissions,
            copy_permissions_from_staff_id=body.copy_permissions_from_staff_id or "",
        )
    )
    response.headers["Location"] = f"{router.prefix}/staff/{answer.staff_member.staff_id}"
    return convert.staff_details(answer.staff_member)


@router.get("/staff/{staff_id}", responses=_SIGNED_IN)
def get_staff_member(
    staff_id: StaffId, staff: Staff, services: Services
) -> schemas.StaffMemberDetails:
    """A staff member of the practice."""
    answer = services.identity.GetStaffMember(
        identity_pb2.GetStaffMemberRequest(practice_id=staff.practice_id, staff_id=staff_id)
    )
    return convert.staff_details(answer.staff_member)


@router.patch("/staff/{staff_id}", responses=_SIGNED_IN)
def update_permissions(
    staff_id: StaffId, body: schemas.PermissionsUpdate, staff: Staff, services: Services
) -> schemas.StaffMemberDetails:
    """Replaces a staff member's permissions, and their role when one is given (a new role
    changes no permission by itself); their sessions see the change at once. 409
    `LAST_ADMINISTRATOR` when it would take manage_personnel from the practice's last active
    administrator."""
    answer = services.identity.UpdateStaffPermissions(
        identity_pb2.UpdateStaffPermissionsRequest(
            practice_id=staff.practice_id,
            staff_id=staff_id,
            permissions=body.permissions,
            role=convert.enum_number(identity_pb2.StaffRole, body.role),
        )
    )
    return convert.staff_details(answer.staff_member)


@router.post("/staff/{staff_id}/deactivate", responses=_SIGNED_IN)
def deactivate_staff_member(
    staff_id: StaffId, staff: Staff, services: Services
) -> schemas.StaffMemberDetails:
    """Deactivates a staff member: their sessions end at once and they cannot sign in. 409
    `LAST_ADMINISTRATOR` for the practice's last active administrator."""
    answer = services.identity.DeactivateStaffMember(
        identity_pb2.DeactivateStaffMemberRequest(practice_id=staff.practice_id, staff_id=staff_id)
    )
    return convert.staff_details(answer.staff_member)


@router.get("/security-policy", responses=_SIGNED_IN)
def get_security_policy(staff: Staff, services: Services) -> schemas.SecurityPolicy:
    """How the practice's staff sign in."""
    answer = services.identity.GetStaffSecurityPolicy(
        identity_pb2.GetStaffSecurityPolicyRequest(practice_id=staff.practice_id)
    )
    return convert.security_policy(answer.policy)


@router.put("/security-policy", responses=_SIGNED_IN)
def set_security_policy(
    body: schemas.SecurityPolicyUpdate, staff: Staff, services: Services
) -> schemas.SecurityPolicy:
    """Sets whether the practice's staff must sign in with a second factor; relaxing it is
    recorded with who did it."""
    answer = services.identity.SetStaffSecurityPolicy(
        identity_pb2.SetStaffSecurityPolicyRequest(
            practice_id=staff.practice_id, second_factor_required=body.second_factor_required
        )
    )
    return convert.security_policy(answer.policy)


@router.get("/patient-sign-in-policy", responses=_SIGNED_IN)
def get_patient_sign_in_policy(staff: Staff, services: Services) -> schemas.PatientSignInPolicy:
    """How the practice's patients sign in (I4)."""
    answer = services.identity.GetPatientSignInPolicy(
        identity_pb2.GetPatientSignInPolicyRequest(practice_id=staff.practice_id)
    )
    return convert.patient_sign_in_policy(answer.policy)


@router.put("/patient-sign-in-policy", responses=_SIGNED_IN)
def set_patient_sign_in_policy(
    body: schemas.PatientSignInPolicyUpdate, staff: Staff, services: Services
) -> schemas.PatientSignInPolicy:
    """Sets when patients with the authenticator app on are asked for its code: at every
    sign-in, or only from a device they have not remembered (I4); and, when given, whether
    they may reset a password with security questions or account information (I8 b, d)."""
    answer = services.identity.SetPatientSignInPolicy(
        identity_pb2.SetPatientSignInPolicyRequest(
            practice_id=staff.practice_id,
            second_factor_rule=convert.SECOND_FACTOR_RULES[body.second_factor],
            **convert.reset_switches(body.model_dump()),
        )
    )
    return convert.patient_sign_in_policy(answer.policy)


def _password_policy(message: identity_pb2.PasswordPolicy) -> schemas.PasswordPolicy:
    return schemas.PasswordPolicy(
        min_length=message.min_length,
        require_mixed_case=message.require_mixed_case,
        require_digit=message.require_digit,
        require_symbol=message.require_symbol,
    )


@router.get("/password-policy", responses=_SIGNED_IN)
def get_password_policy(staff: Staff, services: Services) -> schemas.PasswordPolicy:
    """What the practice asks of its patients' and staff's passwords (I2)."""
    answer = services.identity.GetPasswordPolicy(
        identity_pb2.GetPasswordPolicyRequest(practice_id=staff.practice_id)
    )
    return _password_policy(answer.policy)


@router.put("/password-policy", responses=_SIGNED_IN)
def set_password_policy(
    body: schemas.PasswordPolicy, staff: Staff, services: Services
) -> schemas.PasswordPolicy:
    """Sets the practice's password policy: a minimum of 8 to 64 characters and, only if the
    practice wants them, composition rules. Audited."""
    answer = services.identity.SetPasswordPolicy(
        identity_pb2.SetPasswordPolicyRequest(
            practice_id=staff.practice_id,
            policy=identity_pb2.PasswordPolicy(**body.model_dump()),
        )
    )
    return _password_policy(answer.policy)
