"""Proxy rows to proto messages; field by field, nothing decided here."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp
from vestibule.proxy.v1 import proxy_pb2

from services.proxy.domain import Effective, RelationshipKind, RelationshipStatus
from services.proxy.models import Relationship

KINDS = {
    RelationshipKind.GUARDIAN: proxy_pb2.RELATIONSHIP_KIND_GUARDIAN,
    RelationshipKind.REPRESENTATIVE: proxy_pb2.RELATIONSHIP_KIND_REPRESENTATIVE,
}
STATUSES = {
    RelationshipStatus.INVITED: proxy_pb2.RELATIONSHIP_STATUS_INVITED,
    RelationshipStatus.ACTIVE: proxy_pb2.RELATIONSHIP_STATUS_ACTIVE,
    RelationshipStatus.REVOKED: proxy_pb2.RELATIONSHIP_STATUS_REVOKED,
    RelationshipStatus.EXPIRED: proxy_pb2.RELATIONSHIP_STATUS_EXPIRED,
    RelationshipStatus.SUSPENDED: proxy_pb2.RELATIONSHIP_STATUS_SUSPENDED,
}


def timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def relationship(row: Relationship, today: Effective) -> proxy_pb2.Relationship:
    """The relationship as it stands today (`today`: the age rules applied)."""
    return proxy_pb2.Relationship(
        relationship_id=row.id,
        practice_id=row.practice_id,
        patient_id=row.patient_id,
        proxy_account_id=row.proxy_account_id or "",
        kind=KINDS[RelationshipKind(row.kind)],
        rights=sorted(row.rights),
        created_at=timestamp(row.created_at),
        status=STATUSES[today.status],
        relationship_label=row.relationship_label,
        proxy_first_name=row.proxy_first_name,
        proxy_last_name=row.proxy_last_name,
        effective_rights=sorted(today.rights),
        history=[
            proxy_pb2.RelationshipChange(
                event=change.event,
                at=timestamp(change.at),
                actor=change.actor,
                rights=change.rights or [],
            )
            for change in row.history
        ],
    )
