"""A service process exports its traces and metrics over OTLP when an endpoint is configured,
to a receiver speaking the real OTLP/gRPC protocol, and nothing when none is."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry.proto.collector.metrics.v1 import (
    metrics_service_pb2,
    metrics_service_pb2_grpc,
)
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from vestibule.notify.v1 import notify_pb2, notify_pb2_grpc

from deploy.local.mailsink import free_port
from services.common import telemetry
from services.common.settings import Settings
from tests.conftest import TEST_SECRET_KEY


@dataclass
class Received:
    spans: list[trace_service_pb2.ExportTraceServiceRequest] = field(default_factory=list)
    metrics: list[metrics_service_pb2.ExportMetricsServiceRequest] = field(default_factory=list)

    def span_names(self) -> set[str]:
        return {
            span.name
            for request in self.spans
            for resource in request.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        }

    def metric_names(self) -> set[str]:
        return {
            metric.name
            for request in self.metrics
            for resource in request.resource_metrics
            for scope in resource.scope_metrics
            for metric in scope.metrics
        }

    def service_names(self) -> set[str]:
        return {
            attribute.value.string_value
            for request in self.spans
            for resource in request.resource_spans
            for attribute in resource.resource.attributes
            if attribute.key == "service.name"
        }


class _Traces(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self, received: Received) -> None:
        self._received = received

    def Export(self, request, context):
        self._received.spans.append(request)
        return trace_service_pb2.ExportTraceServiceResponse()


class _Metrics(metrics_service_pb2_grpc.MetricsServiceServicer):
    def __init__(self, received: Received) -> None:
        self._received = received

    def Export(self, request, context):
        self._received.metrics.append(request)
        return metrics_service_pb2.ExportMetricsServiceResponse()


@pytest.fixture
def receiver() -> Iterator[tuple[str, Received]]:
    """An OTLP/gRPC receiver, as a collector would run one, keeping what it is sent."""
    received = Received()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(_Traces(received), server)
    metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(_Metrics(received), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"http://127.0.0.1:{port}", received
    server.stop(0)


def _wait_until_serving(address: str) -> None:
    deadline = time.monotonic() + 20
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while True:
            try:
                stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                return
            except grpc.RpcError:
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.1)


@contextmanager
def _notify_process(tmp_path, **environment: str) -> Iterator[grpc.Channel]:
    """`python -m services.notify.server` as deployed, on a migrated SQLite file; yields a
    channel to it and stops it with SIGTERM (its exporters flush as it stops)."""
    port = free_port()
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "VESTIBULE_DATA_DIR": str(tmp_path),
        "VESTIBULE_SECRET_KEY": TEST_SECRET_KEY,
        "VESTIBULE_NOTIFY_PORT": str(port),
        **environment,
    }
    subprocess.run(
        [sys.executable, "-m", "services.common.migrate", "notify"],
        env=environment,
        check=True,
        capture_output=True,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "services.notify.server"], env=environment, stderr=subprocess.PIPE
    )
    try:
        _wait_until_serving(f"127.0.0.1:{port}")
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield channel
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)


def _get_preferences(channel: grpc.Channel) -> None:
    notify_pb2_grpc.NotifyServiceStub(channel).GetCommunicationPreferences(
        notify_pb2.GetCommunicationPreferencesRequest(account_id="account-1"), timeout=5
    )


def test_a_service_exports_its_spans_and_metrics_over_otlp(receiver, tmp_path):
    endpoint, received = receiver
    with _notify_process(tmp_path, OTEL_EXPORTER_OTLP_ENDPOINT=endpoint) as channel:
        _get_preferences(channel)
    assert "/vestibule.notify.v1.NotifyService/GetCommunicationPreferences" in received.span_names()
    assert received.service_names() == {"notify"}
    assert "rpc.server.duration" in received.metric_names()


def test_a_service_serves_its_metrics_to_prometheus_when_a_port_is_set(tmp_path):
    port = free_port()
    with _notify_process(tmp_path, VESTIBULE_METRICS_PORT=str(port)) as channel:
        _get_preferences(channel)
        scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    calls = [
        line
        for line in scraped.splitlines()
        if line.startswith("rpc_server_duration_milliseconds_count")
        and 'rpc_method="GetCommunicationPreferences"' in line
    ]
    assert calls and float(calls[0].rsplit(" ", 1)[1]) == 1


def test_without_an_endpoint_nothing_is_exported():
    quiet = Settings(otlp_endpoint=None, metrics_port=None)  # type: ignore[call-arg]
    assert telemetry.span_exporters(quiet) == []
    assert telemetry.metric_readers_for(quiet) == []
