"""Patient communication preferences (M5, N4): one per linked practice, kept by notify."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from vestibule.enrollment.v1 import enrollment_pb2
from vestibule.identity.v1 import identity_pb2
from vestibule.notify.v1 import notify_pb2

from gateway import convert, schemas
from gateway.auth import PATIENT_PATH, Principal, signed_in_account
from gateway.clients import Clients, clients
from gateway.problems import Problem
from gateway.routes.common import problem_responses
from gateway.schemas import FieldError

router = APIRouter(prefix=PATIENT_PATH, tags=["patient"])

Services = Annotated[Clients, Depends(clients)]
Account = Annotated[Principal, Depends(signed_in_account)]
METHODS = {
    "email": notify_pb2.PREFERRED_METHOD_EMAIL,
    "sms": notify_pb2.PREFERRED_METHOD_SMS,
    "both": notify_pb2.PREFERRED_METHOD_BOTH,
}


def _practices(services: Clients, account_id: str) -> dict[str, str]:
    """The practices the account is linked to: ID to name."""
    linked = services.enrollment.ListAccountEnrollments(
        enrollment_pb2.ListAccountEnrollmentsRequest(account_id=account_id)
    ).enrollments
    return {e.practice.practice_id: e.practice.name for e in linked}


def _preference(
    message: notify_pb2.CommunicationPreference, name: str
) -> schemas.PracticePreference:
    return schemas.PracticePreference(
        practice_id=message.practice_id,
        practice_name=name,
        method=convert.enum_value(notify_pb2.PreferredMethod, message.method),
        email=message.email or None,
        updated_at=convert.when(message, "updated_at"),
    )


@router.get("/notification-preferences", responses=problem_responses(401, 403))
def get_preferences(account: Account, services: Services) -> schemas.Preferences:
    """How each of your practices' communications reach you (M5)."""
    practices = _practices(services, account.principal_id)
    found = services.notify.GetCommunicationPreferences(
        notify_pb2.GetCommunicationPreferencesRequest(
            account_id=account.principal_id, practice_ids=list(practices)
        )
    ).preferences
    return schemas.Preferences(practices=[_preference(p, practices[p.practice_id]) for p in found])


@router.put("/notification-preferences/{practice_id}", responses=problem_responses(401, 403, 404))
def set_preference(
    practice_id: Annotated[str, Path(min_length=1, max_length=64)],
    body: schemas.PreferenceUpdate,
    account: Account,
    services: Services,
) -> schemas.PracticePreference:
    """Chooses how one practice's communications reach you (N4): email, SMS or both."""
    practices = _practices(services, account.principal_id)
    if practice_id not in practices:
        raise Problem(404, "PRACTICE_NOT_LINKED", "Your account is not linked to that practice.")
    if body.method != "email":
        settings = services.identity.GetAccountSettings(
            identity_pb2.GetAccountSettingsRequest(account_id=account.principal_id)
        ).settings
        if not settings.cell_phone_hint:
            raise Problem(
                409,
                "CELL_PHONE_REQUIRED",
                "Add and verify a cell phone in your account settings before choosing SMS.",
                [FieldError(field="method", detail="SMS needs a verified cell phone.")],
            )
    saved = services.notify.SetCommunicationPreference(
        notify_pb2.SetCommunicationPreferenceRequest(
            account_id=account.principal_id,
            practice_id=practice_id,
            method=METHODS[body.method],
            email=body.email or "",
        )
    ).preference
    return _preference(saved, practices[practice_id])
