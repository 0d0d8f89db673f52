"""OpenTelemetry set up once per process: traces and metrics instrumented at the edges (gRPC,
SQLAlchemy; the gateway adds HTTP), exported over OTLP when an endpoint is configured, metrics
also to Prometheus when a port is, and nothing otherwise."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.instrumentation.grpc import GrpcInstrumentorClient, GrpcInstrumentorServer
from opentelemetry.instrumentation.grpc import filters as grpc_filters
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace import Status
from prometheus_client import start_http_server

from services.common.redaction import redact
from services.common.settings import Settings

_lock = threading.Lock()
_configured = False


def configure_telemetry(
    service_name: str, settings: Settings, *, metric_readers: Sequence[MetricReader] = ()
) -> None:
    """Installs the tracer and meter providers and the instrumentation; later calls do nothing.

    Spans go through `redacting` on their way to every exporter. The gRPC instrumentation
    records methods and status codes, never message bodies; health checks are not traced.
    `metric_readers` are added to those the settings ask for (tests read metrics in memory).
    """
    global _configured
    with _lock:
        if _configured:
            return
        resource = Resource.create({"service.name": service_name})
        tracer_provider = TracerProvider(resource=resource)
        for exporter in span_exporters(settings):
            tracer_provider.add_span_processor(BatchSpanProcessor(redacting(exporter)))
        trace.set_tracer_provider(tracer_provider)
        readers = [*metric_readers_for(settings), *metric_readers]
        metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=readers))
        not_health = grpc_filters.negate(grpc_filters.health_check())
        GrpcInstrumentorServer(filter_=not_health).instrument()
        GrpcInstrumentorClient(filter_=not_health).instrument()
        # Wraps sqlalchemy.create_engine: every engine made from now on is traced (statements
        # with placeholders, never bound values).
        SQLAlchemyInstrumentor().instrument(enable_commenter=False)
        _configured = True


def span_exporters(settings: Settings) -> list[SpanExporter]:
    """The exporters the settings ask for: OTLP when an endpoint is set, the console when asked."""
    exporters: list[SpanExporter] = []
    if settings.otlp_endpoint:
        exporters.append(OTLPSpanExporter(endpoint=settings.otlp_endpoint))
    if settings.telemetry_exporter == "console":
        exporters.append(ConsoleSpanExporter())
    return exporters


def metric_readers_for(settings: Settings) -> list[MetricReader]:
    """OTLP when an endpoint is set; a Prometheus endpoint (started now) when a port is."""
    readers: list[MetricReader] = []
    if settings.otlp_endpoint:
        readers.append(
            PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=settings.otlp_endpoint))
        )
    if settings.metrics_port is not None:
        start_http_server(settings.metrics_port)
        readers.append(PrometheusMetricReader())
    return readers


# Attributes that hold a URL: their query string is dropped whatever it holds (and the
# query's own attribute, `url.query`, is dropped whole).
_URL_ATTRIBUTES = frozenset({"http.url", "http.target", "url.full"})


def _clean(attributes: Any) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key, value in (attributes or {}).items():
        if key == "url.query":
            continue
        if isinstance(value, str):
            value = redact(value.split("?", 1)[0] if key in _URL_ATTRIBUTES else value)
        elif isinstance(value, tuple | list):
            value = tuple(redact(item) if isinstance(item, str) else item for item in value)
        cleaned[key] = value
    return cleaned


def redacted(span: ReadableSpan) -> ReadableSpan:
    """A copy of the span whose attributes, events and status text went through `redact`."""
    description = span.status.description
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=_clean(span.attributes),
        events=[
            Event(event.name, _clean(event.attributes), event.timestamp) for event in span.events
        ],
        links=span.links,
        kind=span.kind,
        status=Status(span.status.status_code, redact(description) if description else None),
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class _Redacting(SpanExporter):
    def __init__(self, exporter: SpanExporter) -> None:
        self._exporter = exporter

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self._exporter.export([redacted(span) for span in spans])

    def shutdown(self) -> None:
        self._exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._exporter.force_flush(timeout_millis)


def redacting(exporter: SpanExporter) -> SpanExporter:
    """`exporter`, given every span redacted first (X1)."""
    return _Redacting(exporter)
