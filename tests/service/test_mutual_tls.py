"""Mutual TLS between services (X1: PHI encrypted in transit): a service started with a
certificate serves only clients with a certificate from its CA; probes use a plaintext port
that serves health and nothing else."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import grpc
import pytest
import trustme
from grpc_health.v1 import health_pb2, health_pb2_grpc
from vestibule.notify.v1 import notify_pb2, notify_pb2_grpc

from services.common.clients import connect
from services.common.settings import Settings
from services.common.tls import MutualTls
from services.notify.server import create_server
from services.notify.settings import NotifySettings
from tests.conftest import issue_tls_files

SERVING = health_pb2.HealthCheckResponse.SERVING
# Transport security does not depend on the database.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _client(ca: trustme.CA, folder: Path) -> MutualTls:
    files = issue_tls_files(ca, folder)
    return MutualTls.read(
        certificate=files["tls_cert_file"],
        private_key=files["tls_key_file"],
        ca=files["tls_ca_file"],
    )


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def shared_settings(shared_settings: Settings, ca: trustme.CA, tmp_path: Path) -> Settings:
    """The shared settings with this process's certificate from `ca`, as in production."""
    return shared_settings.model_copy(update=issue_tls_files(ca, tmp_path / "server-tls"))


@pytest.fixture
def notify(start_service, shared_settings, sink, sms_folder):
    """Notify with mutual TLS on its port and a plaintext health port beside it."""
    settings = NotifySettings(smtp_port=sink.port, sms_folder=sms_folder)
    server = partial(create_server, notify_settings=settings)
    return start_service("notify", server, shared_settings, health_port=0)


def _health(channel: grpc.Channel) -> int:
    request = health_pb2.HealthCheckRequest()
    return health_pb2_grpc.HealthStub(channel).Check(request, timeout=5).status


# rule X1
def test_a_client_with_a_certificate_from_the_ca_is_served_X1(notify, ca, tmp_path):
    client = _client(ca, tmp_path / "client-tls")
    with connect(notify.address, default_timeout=5, tls=client) as channel:
        stub = notify_pb2_grpc.NotifyServiceStub(channel)
        answer = stub.GetCommunicationPreferences(
            notify_pb2.GetCommunicationPreferencesRequest(
                account_id="account-1", practice_ids=["practice-1"]
            )
        )
    assert [p.practice_id for p in answer.preferences] == ["practice-1"]


# rule X1
def test_a_client_without_a_certificate_is_refused_X1(notify, ca):
    trusting = grpc.ssl_channel_credentials(root_certificates=ca.cert_pem.bytes())
    with grpc.secure_channel(notify.address, trusting) as channel:
        with pytest.raises(grpc.RpcError) as refused:
            _health(channel)
    assert refused.value.code() is grpc.StatusCode.UNAVAILABLE


# rule X1
def test_a_client_with_a_certificate_from_another_ca_is_refused_X1(notify, ca, tmp_path):
    stranger = _client(trustme.CA(), tmp_path / "stranger-tls")
    # It trusts the server's CA, so only its own certificate can be at fault.
    credentials = grpc.ssl_channel_credentials(
        root_certificates=ca.cert_pem.bytes(),
        private_key=stranger.private_key,
        certificate_chain=stranger.certificate,
    )
    with grpc.secure_channel(notify.address, credentials) as channel:
        with pytest.raises(grpc.RpcError) as refused:
            _health(channel)
    assert refused.value.code() is grpc.StatusCode.UNAVAILABLE


# rule X1
def test_a_plaintext_client_is_refused_X1(notify):
    with grpc.insecure_channel(notify.address) as channel:
        with pytest.raises(grpc.RpcError) as refused:
            _health(channel)
    assert refused.value.code() is grpc.StatusCode.UNAVAILABLE


def test_the_health_port_answers_probes_without_tls(notify):
    with grpc.insecure_channel(f"127.0.0.1:{notify.health_port}") as channel:
        assert _health(channel) == SERVING


# rule X1
def test_the_health_port_serves_nothing_but_health_X1(notify):
    with grpc.insecure_channel(f"127.0.0.1:{notify.health_port}") as channel:
        stub = notify_pb2_grpc.NotifyServiceStub(channel)
        with pytest.raises(grpc.RpcError) as refused:
            stub.GetCommunicationPreferences(
                notify_pb2.GetCommunicationPreferencesRequest(account_id="account-1"), timeout=5
            )
    assert refused.value.code() is grpc.StatusCode.UNIMPLEMENTED
