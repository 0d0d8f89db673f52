"""One page of audit records gathered from every service's trail, newest first.

Each service pages its own trail by sequence; the gateway's page token remembers, per service,
where to continue (or that it is exhausted), so pages never skip or repeat a record.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import json
from collections.abc import Mapping
from dataclasses import dataclass

from vestibule.audit.v1 import audit_pb2, audit_pb2_grpc

from gateway.problems import Problem

EXHAUSTED = "-"


def _encode(positions: Mapping[str, str]) -> str:
    if all(position == EXHAUSTED for position in positions.values()):
        return ""
    return base64.urlsafe_b64encode(json.dumps(positions, sort_keys=True).encode()).decode()


def _decode(token: str, services: list[str]) -> dict[str, str]:
    if not token:
        return dict.fromkeys(services, "")
    try:
        positions = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError):
        positions = None
    if not isinstance(positions, dict) or sorted(positions) != sorted(services):
        raise Problem(422, "INVALID_PAGE_TOKEN", "Use the page token from the previous answer.")
    return {name: str(value) for name, value in positions.items()}


@dataclass(frozen=True)
class Page:
    records: list[audit_pb2.AuditRecord]
    next_page_token: str


def gather(
    trails: Mapping[str, audit_pb2_grpc.AuditServiceStub],
    query: audit_pb2.ListAuditRecordsRequest,
    *,
    page_size: int,
    page_token: str,
) -> Page:
    """The newest `page_size` records matching `query` across every trail, after `page_token`."""
    positions = _decode(page_token, sorted(trails))
    fetched: dict[str, audit_pb2.ListAuditRecordsResponse] = {}
    for name, stub in trails.items():
        if positions[name] != EXHAUSTED:
            request = audit_pb2.ListAuditRecordsRequest()
            request.CopyFrom(query)
            request.page_size, request.page_token = page_size, positions[name]
            fetched[name] = stub.ListAuditRecords(request)
    candidates = [record for answer in fetched.values() for record in answer.records]
    page = heapq.nlargest(
        page_size, candidates, key=lambda r: (r.occurred_at.ToDatetime(), r.service, r.sequence)
    )
    for name, answer in fetched.items():
        taken = [record for record in page if record.service == name]
        if len(taken) < len(answer.records):
            positions[name] = str(taken[-1].sequence) if taken else positions[name]
        else:
            positions[name] = str(taken[-1].sequence) if answer.next_page_token else EXHAUSTED
    return Page(page, _encode(positions))
