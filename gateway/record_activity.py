"""Who acted on a patient's records, as the patient knows them (X2): themself, a staff member of
the practice by name, one of their guardians or trusted representatives by the name they were
invited with, the portal on its own, or someone not signed in. The audit records hold only
IDs; the names come from their owners (staff from identity, proxies from proxy), asked once
per page of activity, and are never logged."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import grpc
from vestibule.audit.v1 import audit_pb2
from vestibule.enrollment.v1 import enrollment_pb2
from vestibule.identity.v1 import identity_pb2
from vestibule.proxy.v1 import proxy_pb2

from gateway import convert
from gateway.clients import Clients

YOU, STAFF, SYSTEM, NOT_SIGNED_IN, OTHER_ACCOUNT = (
    "you",
    "staff",
    "system",
    "not_signed_in",
    "other_account",
)


@dataclass(frozen=True)
class Actor:
    """Who acted: a kind ("you", "staff", "guardian", "representative", "system",
    "not_signed_in" or "other_account") and, for staff and proxies, their name."""

    kind: str
    name: str | None = None


def _full_name(first: str, last: str) -> str | None:
    return " ".join(part for part in (first.strip(), last.strip()) if part) or None


class Actors:
    """Names the actors of one account's activity; each owner is asked only when a record
    needs it, and once."""

    def __init__(
        self,
        services: Clients,
        account_id: str,
        linked: Iterable[enrollment_pb2.AccountEnrollment],
    ) -> None:
        self._services = services
        self._me = f"account:{account_id}"
        self._practice_of = {record.patient_id: record.practice.practice_id for record in linked}
        self._staff: dict[tuple[str, str], Actor] = {}
        # Every proxy that has ever acted for a record, by record, then by actor.
        self._proxies: dict[str, dict[str, Actor]] = {}

    def of(self, record: audit_pb2.AuditRecord) -> Actor:
        """Who acted in `record`."""
        kind, _, principal = record.actor.partition(":")
        if record.actor == self._me:
            return Actor(YOU)
        if kind == "staff" and principal:
            return self._staff_member(record.practice_id, principal)
        if kind == "account":
            return self._proxies_of(record.patient_id).get(record.actor, Actor(OTHER_ACCOUNT))
        if record.actor == "system":
            return Actor(SYSTEM)
        return Actor(NOT_SIGNED_IN)

    def _proxies_of(self, patient_id: str) -> dict[str, Actor]:
        if patient_id not in self._proxies:
            listed = (
                self._services.proxy.ListRelationships(
                    proxy_pb2.ListRelationshipsRequest(
                        practice_id=self._practice_of[patient_id], patient_id=patient_id
                    )
                ).relationships
                if patient_id in self._practice_of
                else []
            )
            self._proxies[patient_id] = {
                f"account:{r.proxy_account_id}": Actor(
                    convert.enum_value(proxy_pb2.RelationshipKind, r.kind),
                    _full_name(r.proxy_first_name, r.proxy_last_name),
                )
                for r in listed
                if r.proxy_account_id
            }
        return self._proxies[patient_id]

    def _staff_member(self, practice_id: str, staff_id: str) -> Actor:
        key = (practice_id, staff_id)
        if key not in self._staff:
            try:
                member = self._services.identity.GetStaffMember(
                    identity_pb2.GetStaffMemberRequest(practice_id=practice_id, staff_id=staff_id)
                ).staff_member
                self._staff[key] = Actor(STAFF, _full_name(member.first_name, member.last_name))
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.NOT_FOUND:
                    raise
                self._staff[key] = Actor(STAFF)
        return self._staff[key]
