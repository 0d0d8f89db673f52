"""For whom a patient route acts (P4, P5): every route under `/v1/patient/records/{patient_id}`
names the right it needs, and this dependency lets the call through only when the record is the
account's own or the proxy service says the account holds that right for it. Calls made while
the route runs carry the record as `on_behalf_of`, so every audit record names both the actor
and the patient."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import Depends, Path
from starlette.concurrency import run_in_threadpool
from vestibule.enrollment.v1 import enrollment_pb2
from vestibule.proxy.v1 import proxy_pb2

from gateway import convert
from gateway.auth import Principal, signed_in_account
from gateway.clients import Clients, clients
from gateway.problems import Problem
from services.common import context

RecordId = Annotated[str, Path(min_length=1, max_length=128)]
# Whose proxies these are is the patient's own business: no right lets a proxy manage them.
PATIENT_ONLY = None


@dataclass(frozen=True)
class ActingFor:
    """The record a call acts for, and how: as the patient ("self") or as a proxy."""

    account_id: str
    patient_id: str
    practice_id: str
    relationship_id: str = ""
    hidden_categories: tuple[str, ...] = ()
    # As a proxy: "guardian" or "representative", and the rights it has today.
    kind: str = ""
    rights: tuple[str, ...] = ()

    @property
    def is_self(self) -> bool:
        return not self.relationship_id


def record_unenrolled(practice: enrollment_pb2.Practice) -> Problem:
    """The answer to an account acting for its own record while the practice has it
    unenrolled (E13): the practice, named with its phone, is who restores access."""
    call = f" at {practice.contact_phone}" if practice.contact_phone else ""
    return Problem(
        403,
        "RECORD_UNENROLLED",
        f"{practice.name} has unenrolled you from its patient portal, so this record is closed "
        f"to you. To have your access restored, contact {practice.name}{call}.",
        metadata={"practice_name": practice.name, "practice_phone": practice.contact_phone},
    )


def acting_for(right: str | None) -> Callable[..., Any]:
    """A dependency: the record in the path, if the account may do `right` on it (None: only
    the patient themself); 403 otherwise, with the proxy service's reason."""

    async def dependency(
        patient_id: RecordId,
        account: Annotated[Principal, Depends(signed_in_account)],
        services: Annotated[Clients, Depends(clients)],
    ) -> AsyncIterator[ActingFor]:
        own = await run_in_threadpool(
            services.enrollment.ListAccountEnrollments,
            enrollment_pb2.ListAccountEnrollmentsRequest(account_id=account.principal_id),
        )
        mine = {e.patient_id: e for e in own.enrollments}
        if patient_id in mine:
            record = mine[patient_id]
            if record.access_suspended:
                raise record_unenrolled(record.practice)
            yield ActingFor(account.principal_id, patient_id, record.practice.practice_id)
            return
        if right is PATIENT_ONLY:
            raise Problem(
                403,
                "PATIENT_ONLY",
                "Only the patient can do this. Switch to your own record to manage who acts "
                "for you.",
            )
        granted = await run_in_threadpool(
            services.proxy.CheckAccess,
            proxy_pb2.CheckAccessRequest(
                account_id=account.principal_id, patient_id=patient_id, right=right
            ),
        )
        acting = ActingFor(
            account.principal_id,
            patient_id,
            granted.practice_id,
            granted.relationship_id,
            tuple(granted.hidden_categories),
            convert.enum_value(proxy_pb2.RelationshipKind, granted.kind),
            tuple(granted.effective_rights),
        )
        with context.bound(replace(context.current(), on_behalf_of=f"patient:{patient_id}")):
            yield acting

    return dependency
