"""AuditService, served by every service over its own trail: records read page by page, and
the chain checked. Read only: there is deliberately no way to change a trail."""

from __future__ import annotations

from datetime import UTC

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import select
from vestibule.audit.v1 import audit_pb2, audit_pb2_grpc

from services.common.audit import AuditRecordColumns, AuditTrail
from services.common.db import Database
from services.common.errors import FieldViolation, InvalidArgument

DEFAULT_PAGE, MAX_PAGE = 50, 200
SERVICE_NAME = audit_pb2.DESCRIPTOR.services_by_name["AuditService"].full_name


def _message(service: str, row: AuditRecordColumns) -> audit_pb2.AuditRecord:
    occurred = Timestamp()
    occurred.FromDatetime(row.occurred_at)
    return audit_pb2.AuditRecord(
        record_id=row.id,
        sequence=row.sequence,
        service=service,
        occurred_at=occurred,
        actor=row.actor,
        on_behalf_of=row.on_behalf_of,
        action=row.action,
        target=row.target,
        practice_id=row.practice_id,
        patient_id=row.patient_id,
        outcome=row.outcome,
        client_address=row.client_address,
        request_id=row.request_id,
        details=row.details,
    )


class AuditServicer(audit_pb2_grpc.AuditServiceServicer):
    """Reads one service's trail; there is deliberately no way to change it."""

    def __init__(self, database: Database, trail: AuditTrail) -> None:
        self._database = database
        self._trail = trail

    def ListAuditRecords(
        self, request: audit_pb2.ListAuditRecordsRequest, context: grpc.ServicerContext
    ) -> audit_pb2.ListAuditRecordsResponse:
        model = self._trail.record_model
        size = request.page_size or DEFAULT_PAGE
        if not 0 < size <= MAX_PAGE or (request.page_token and not request.page_token.isdigit()):
            raise InvalidArgument(
                f"Ask for 1 to {MAX_PAGE} records, with a page token from an earlier answer.",
                violations=[FieldViolation("page_size", f"1 to {MAX_PAGE}.")],
            )
        query = select(model).order_by(model.sequence.desc()).limit(size + 1)
        for column, value in (
            (model.practice_id, request.practice_id),
            (model.patient_id, request.patient_id),
            (model.actor, request.actor),
        ):
            if value:
                query = query.where(column == value)
        if request.HasField("since"):
            query = query.where(model.occurred_at >= request.since.ToDatetime(tzinfo=UTC))
        if request.HasField("until"):
            query = query.where(model.occurred_at < request.until.ToDatetime(tzinfo=UTC))
        if request.page_token:
            query = query.where(model.sequence < int(request.page_token))
        with self._database.transaction() as session:
            rows = session.scalars(query).all()
            page = [_message(self._trail.service, row) for row in rows[:size]]
        more = len(rows) > size
        return audit_pb2.ListAuditRecordsResponse(
            records=page, next_page_token=str(page[-1].sequence) if more else ""
        )

    def VerifyAuditChain(
        self, request: audit_pb2.VerifyAuditChainRequest, context: grpc.ServicerContext
    ) -> audit_pb2.VerifyAuditChainResponse:
        with self._database.transaction() as session:
            verdict = self._trail.verify(session)
        return audit_pb2.VerifyAuditChainResponse(
            intact=verdict.intact,
            records=verdict.records,
            first_broken_sequence=verdict.first_broken_sequence,
            problem=verdict.problem,
        )
