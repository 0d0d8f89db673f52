"""Forgot username (I7): a public route from the logon page, rate limited per client address."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from vestibule.identity.v1 import identity_pb2

from gateway import schemas
from gateway.auth import PATIENT_PATH
from gateway.clients import Clients, clients
from gateway.ratelimit import rate_limited
from gateway.routes.common import problem_responses
from gateway.schemas.username_recovery import UsernameRecovery

router = APIRouter(prefix=f"{PATIENT_PATH}/recovery", tags=["patient"])

Services = Annotated[Clients, Depends(clients)]


@router.post(
    "/username",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(rate_limited("recovery"))],
    responses=problem_responses(),
)
def recover_username(body: UsernameRecovery, services: Services) -> schemas.RecoveryAccepted:
    """Sends the username by email: to the verified account email given, or to the
    notification email given with the patient's last name and date of birth when they match
    a linked patient record. Always 202 with the same body, whether or not anything matched
    (X3); at most one email per address in 15 minutes. No email? Contact the practice."""
    answer = services.identity.SendUsernameReminder(
        identity_pb2.SendUsernameReminderRequest(
            email=body.email,
            last_name=body.last_name or "",
            date_of_birth=body.date_of_birth or "",
        )
    )
    return schemas.RecoveryAccepted(detail=answer.message)
