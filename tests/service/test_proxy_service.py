"""Proxy service over real gRPC, on SQLite and PostgreSQL."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from vestibule.proxy.v1 import proxy_pb2, proxy_pb2_grpc

from services.proxy.models import Relationship


@pytest.fixture
def stub(proxy):
    with grpc.insecure_channel(proxy.address) as channel:
        yield proxy_pb2_grpc.ProxyServiceStub(channel)


def test_health_reports_serving(proxy):
    with grpc.insecure_channel(proxy.address) as channel:
        answer = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="vestibule.proxy.v1.ProxyService"), timeout=5
        )
    assert answer.status == health_pb2.HealthCheckResponse.SERVING


# rule P6
def test_lists_relationships_of_one_patient_only_P6(proxy, stub):
    with proxy.database.transaction() as session:
        session.add_all(
            [
                Relationship(
                    practice_id="p1",
                    patient_id="kid",
                    proxy_account_id="mom",
                    kind="guardian",
                    rights=["health_records:view"],
                ),
                Relationship(
                    practice_id="p1",
                    patient_id="other",
                    proxy_account_id="x",
                    kind="guardian",
                    rights=[],
                ),
            ]
        )
    answer = stub.ListRelationships(
        proxy_pb2.ListRelationshipsRequest(practice_id="p1", patient_id="kid"), timeout=5
    )
    assert [(r.proxy_account_id, list(r.rights)) for r in answer.relationships] == [
        ("mom", ["health_records:view"])
    ]


def test_missing_patient_is_invalid_argument_with_field_violation(stub):
    with pytest.raises(grpc.RpcError) as raised:
        stub.ListRelationships(proxy_pb2.ListRelationshipsRequest(practice_id="p1"), timeout=5)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
