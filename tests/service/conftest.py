"""Fixtures of the identity service tests: a notify double, a started identity service and a
stub for it. Test modules of other services define their own `stub`, which takes precedence."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from vestibule.identity.v1 import identity_pb2_grpc

from services.common.server import ServiceHost
from tests.service.test_identity_support import NotifySink, start_identity


@pytest.fixture
def notify() -> Iterator[NotifySink]:
    """A notify double that keeps what identity sends it."""
    sink = NotifySink()
    yield sink
    sink.stop()


@pytest.fixture
def identity(notify, start_service, shared_settings) -> ServiceHost:
    """The identity service, started with cheap hashing, its outbox pointed at `notify`."""
    return start_identity(start_service, shared_settings, notify.address)


@pytest.fixture
def stub(identity) -> Iterator[identity_pb2_grpc.IdentityServiceStub]:
    with grpc.insecure_channel(identity.address) as channel:
        yield identity_pb2_grpc.IdentityServiceStub(channel)
