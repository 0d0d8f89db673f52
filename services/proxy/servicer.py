"""Proxy gRPC servicer: proto to use case and back. One transaction per call; the RPCs of
invitations and of the age rules are mixed in from their own modules."""

from __future__ import annotations

import grpc
from vestibule.proxy.v1 import proxy_pb2, proxy_pb2_grpc

from services.common.crypto import Keyring
from services.common.db import Database
from services.common.outbox import Outbox
from services.proxy import messages, relationships, service
from services.proxy.accounts import IdentityAccounts
from services.proxy.invitation_servicer import InvitationRpcs
from services.proxy.patients import Patients


class ProxyServicer(InvitationRpcs, proxy_pb2_grpc.ProxyServiceServicer):
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

    def ListRelationships(
        self, request: proxy_pb2.ListRelationshipsRequest, context: grpc.ServicerContext
    ) -> proxy_pb2.ListRelationshipsResponse:
        with self._database.transaction() as session:
            rows = service.list_relationships(
                session, practice_id=request.practice_id, patient_id=request.patient_id
            )
            return proxy_pb2.ListRelationshipsResponse(
                relationships=[
                    messages.relationship(
                        row, relationships.effective_of(session, self._patients, row)
                    )
                    for row in rows
                ]
            )
