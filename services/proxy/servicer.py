"""Proxy gRPC servicer: proto to use case and back."""

from __future__ import annotations

import grpc
from vestibule.proxy.v1 import proxy_pb2, proxy_pb2_grpc

from services.common.db import Database
from services.proxy import service
from services.proxy.domain import RelationshipKind
from services.proxy.models import Relationship

KINDS = {
    RelationshipKind.GUARDIAN: proxy_pb2.RELATIONSHIP_KIND_GUARDIAN,
    RelationshipKind.REPRESENTATIVE: proxy_pb2.RELATIONSHIP_KIND_REPRESENTATIVE,
}


def _relationship(row: Relationship) -> proxy_pb2.Relationship:
    message = proxy_pb2.Relationship(
        relationship_id=row.id,
        practice_id=row.practice_id,
        patient_id=row.patient_id,
        proxy_account_id=row.proxy_account_id,
        kind=KINDS[RelationshipKind(row.kind)],
        rights=row.rights,
    )
    message.created_at.FromDatetime(row.created_at)
    return message


class ProxyServicer(proxy_pb2_grpc.ProxyServiceServicer):
    def __init__(self, database: Database) -> None:
        self._database = database

    def ListRelationships(
        self, request: proxy_pb2.ListRelationshipsRequest, context: grpc.ServicerContext
    ) -> proxy_pb2.ListRelationshipsResponse:
        with self._database.transaction() as session:
            rows = service.list_relationships(
                session, practice_id=request.practice_id, patient_id=request.patient_id
            )
            return proxy_pb2.ListRelationshipsResponse(
                relationships=[_relationship(row) for row in rows]
            )
