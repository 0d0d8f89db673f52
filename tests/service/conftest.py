"""Shared fixtures of the service tests. Identity: notify and enrollment doubles, a started
identity service and a stub for it (test modules of other services define their own `stub` and
`notify`, which take precedence). Proxy: enrollment and identity doubles, a started proxy and
a stub for it. Notify: the SMTP sink, the SMS folder, and a starter for notify itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import grpc
import pytest
from vestibule.identity.v1 import identity_pb2_grpc
from vestibule.proxy.v1 import proxy_pb2_grpc

from deploy.local.mailsink import MailSink
from services.common.server import ServiceHost
from services.notify.server import create_server as create_notify_server
from services.notify.settings import NotifySettings
from tests.service.proxy_support import EnrollmentForProxy, IdentityForProxy, start_proxy
from tests.service.test_identity_support import EnrollmentDouble, NotifySink, start_identity


@pytest.fixture
def notify() -> Iterator[NotifySink]:
    """A notify double that keeps what identity sends it."""
    sink = NotifySink()
    yield sink
    sink.stop()


@pytest.fixture
def enrollment() -> Iterator[EnrollmentDouble]:
    """An enrollment double answering what identity asks of enrollment; a test module that
    needs it overrides `identity` with `start_identity(..., enrollment.address)`."""
    double = EnrollmentDouble()
    yield double
    double.stop()


@pytest.fixture
def identity(notify, start_service, shared_settings) -> ServiceHost:
    """The identity service, started with cheap hashing, its outbox pointed at `notify`."""
    return start_identity(start_service, shared_settings, notify.address)


@pytest.fixture
def stub(identity) -> Iterator[identity_pb2_grpc.IdentityServiceStub]:
    with grpc.insecure_channel(identity.address) as channel:
        yield identity_pb2_grpc.IdentityServiceStub(channel)


@pytest.fixture
def proxy_enrollment() -> Iterator[EnrollmentForProxy]:
    """An enrollment double answering proxy's questions about records and time zones."""
    double = EnrollmentForProxy()
    yield double
    double.stop()


@pytest.fixture
def proxy_identity() -> Iterator[IdentityForProxy]:
    """An identity double keeping the account notices proxy sends."""
    double = IdentityForProxy()
    yield double
    double.stop()


@pytest.fixture
def proxy(start_service, shared_settings, proxy_enrollment, proxy_identity, notify) -> ServiceHost:
    """The proxy service, its enrollment, identity and notify the doubles."""
    return start_proxy(
        start_service,
        shared_settings,
        enrollment=proxy_enrollment.address,
        identity=proxy_identity.address,
        notify=notify.address,
    )


@pytest.fixture
def proxy_stub(proxy) -> Iterator[proxy_pb2_grpc.ProxyServiceStub]:
    with grpc.insecure_channel(proxy.address) as channel:
        yield proxy_pb2_grpc.ProxyServiceStub(channel)


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[MailSink]:
    """A real SMTP server keeping each message as a file (not started: `sink.start()`)."""
    sink = MailSink(tmp_path / "mail", port=0)
    yield sink
    sink.stop()


@pytest.fixture
def sms_folder(tmp_path: Path) -> Path:
    return tmp_path / "sms"


@pytest.fixture
def start_notify(start_service, shared_settings, sink, sms_folder) -> Callable[..., ServiceHost]:
    """Starts notify against the SMTP sink and SMS folder; keywords override its settings."""

    def start(**settings: Any) -> ServiceHost:
        values = {"smtp_port": sink.port, "sms_folder": sms_folder, **settings}
        server = partial(create_notify_server, notify_settings=NotifySettings(**values))
        return start_service("notify", server, shared_settings)

    return start
