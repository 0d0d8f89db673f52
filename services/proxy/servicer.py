"""Proxy gRPC servicer: proto to use case and back. One transaction per call; the RPCs of
invitations and of the age rules are mixed in from their own modules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

import grpc
from sqlalchemy.orm import Session
from vestibule.proxy.v1 import proxy_pb2, proxy_pb2_grpc

from services.common.crypto import Keyring
from services.common.db import Database
from services.common.outbox import Outbox
from services.proxy import (
    access,
    messages,
    record_access,
    relationships,
    rights_changes,
    service,
)
from services.proxy.accounts import IdentityAccounts
from services.proxy.age_servicer import AgeRpcs
from services.proxy.domain import RelationshipKind, RelationshipStatus
from services.proxy.invitation_servicer import InvitationRpcs
from services.proxy.models import Relationship
from services.proxy.patients import Patients


def _scope(message: proxy_pb2.Scope) -> rights_changes.Scope:
    return rights_changes.Scope(practice_id=message.practice_id, patient_id=message.patient_id)


class ProxyServicer(InvitationRpcs, AgeRpcs, proxy_pb2_grpc.ProxyServiceServicer):
    def __init__(
        self,
        database: Database,
        *,
        outbox: Outbox,
        patients: Patients,
        accounts: IdentityAccounts,
        keyring: Keyring,
        portal_url: str,
    ) -> None:
        self._database = database
        self._outbox = outbox
        self._patients = patients
        self._accounts = accounts
        self._keyring = keyring
        self._portal_url = portal_url

    def _message(self, session: Session, row: Relationship) -> proxy_pb2.Relationship:
        """The relationship as it stands today (the age rules applied)."""
        return messages.relationship(row, relationships.effective_of(session, self._patients, row))

    def _messages(
        self, session: Session, rows: Sequence[Relationship]
    ) -> list[proxy_pb2.Relationship]:
        return [self._message(session, row) for row in rows]

    def ListRelationships(
        self, request: proxy_pb2.ListRelationshipsRequest, context: grpc.ServicerContext
    ) -> proxy_pb2.ListRelationshipsResponse:
        with self._database.transaction() as session:
            rows = service.list_relationships(
                session, practice_id=request.practice_id, patient_id=request.patient_id
            )
            acting = service.acting_for(
                session, practice_id=request.practice_id, account_id=request.account_id
            )
            return proxy_pb2.ListRelationshipsResponse(
                relationships=self._messages(session, rows),
                acting_for=self._messages(session, acting),
            )

    def CheckAccess(
        self, request: proxy_pb2.CheckAccessRequest, context: grpc.ServicerContext
    ) -> proxy_pb2.CheckAccessResponse:
        with self._database.transaction() as session:
            granted = access.check(
                session,
                self._patients,
                account_id=request.account_id,
                patient_id=request.patient_id,
                right=request.right,
            )
            return proxy_pb2.CheckAccessResponse(
                relationship_id=granted.relationship.id,
                practice_id=granted.relationship.practice_id,
                hidden_categories=granted.today.hidden_categories,
                kind=messages.KINDS[RelationshipKind(granted.relationship.kind)],
                effective_rights=sorted(granted.today.rights),
            )

    def ListAccessibleRecords(
        self, request: proxy_pb2.ListAccessibleRecordsRequest, context: grpc.ServicerContext
    ) -> proxy_pb2.ListAccessibleRecordsResponse:
        with self._database.transaction() as session:
            found = access.accessible(session, self._patients, account_id=request.account_id)
            return proxy_pb2.ListAccessibleRecordsResponse(
                relationships=[
                    messages.relationship(row, today)
                    for row, today in found[RelationshipStatus.ACTIVE]
                ],
                suspended=[
                    messages.relationship(row, today)
                    for row, today in found[RelationshipStatus.SUSPENDED]
                ],
            )

    def SetRecordAccess(
        self, request: proxy_pb2.SetRecordAccessRequest, context: grpc.ServicerContext
    ) -> proxy_pb2.SetRecordAccessResponse:
        with self._database.transaction() as session:
            record_access.set_access(
                session,
                outbox=self._outbox,
                practice_id=request.practice_id,
                patient_id=request.patient_id,
                suspended=request.suspended,
                as_of=request.as_of.ToDatetime(tzinfo=UTC) if request.HasField("as_of") else None,
            )
        return proxy_pb2.SetRecordAccessResponse()

    def UpdateRights(
        self, request: proxy_pb2.UpdateRightsRequest, context: grpc.ServicerContext
    ) -> proxy_pb2.UpdateRightsResponse:
        with self._database.transaction() as session:
            row = rights_changes.update_rights(
                session,
                outbox=self._outbox,
                relationship_id=request.relationship_id,
                scope=_scope(request.scope),
                rights=list(request.rights),
                preset=request.preset,
            )
            return proxy_pb2.UpdateRightsResponse(relationship=self._message(session, row))

    def RevokeRelationship(
        self, request: proxy_pb2.RevokeRelationshipRequest, context: grpc.ServicerContext
    ) -> proxy_pb2.RevokeRelationshipResponse:
        with self._database.transaction() as session:
            row = rights_changes.revoke(
                session,
                outbox=self._outbox,
                relationship_id=request.relationship_id,
                scope=_scope(request.scope),
            )
            return proxy_pb2.RevokeRelationshipResponse(relationship=self._message(session, row))
