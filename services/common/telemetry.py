"""OpenTelemetry set up once per process, instrumented at the edges (gRPC, SQLAlchemy)."""

from __future__ import annotations

import threading

from opentelemetry import trace
from opentelemetry.instrumentation.grpc import GrpcInstrumentorClient, GrpcInstrumentorServer
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from sqlalchemy import Engine

_lock = threading.Lock()
_configured = False


def configure_telemetry(service_name: str, exporter: str = "none") -> None:
    """Installs the tracer provider and the gRPC instrumentation; later calls do nothing.

    The gRPC instrumentation carries trace context in metadata and records methods and status
    codes, never message bodies, so no PHI reaches a span.
    """
    global _configured
    with _lock:
        if _configured:
            return
        provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        if exporter == "console":
            provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
        trace.set_tracer_provider(provider)
        GrpcInstrumentorServer().instrument()
        GrpcInstrumentorClient().instrument()
        _configured = True


def instrument_engine(engine: Engine) -> None:
    """Traces the engine's statements (SQL text with placeholders, never bound values)."""
    SQLAlchemyInstrumentor().instrument(engine=engine, enable_commenter=False)
