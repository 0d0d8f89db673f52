"""Structured JSON logs. Log lines carry IDs, codes and durations, never PHI or secrets: only
allow-listed fields are written, and the message and every text field pass `redact` first."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from opentelemetry import trace

from services.common import context
from services.common.redaction import redact

# Only these `extra` keys reach the output, so a careless `extra={"email": ...}` is dropped.
ALLOWED_EXTRA = frozenset(
    {
        "service",
        "rpc",
        "code",
        "duration_ms",
        "reason",
        "outbox_id",
        "notification_id",
        "attempts",
        "port",
        "address",
        "route",
        "method",
        "status",
    }
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line with the trace, span and request IDs of the current request."""

    def format(self, record: logging.LogRecord) -> str:
        span = trace.get_current_span().get_span_context()
        entry: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": redact(record.getMessage()),
            "request_id": request.request_id if (request := context.serving()) else None,
        }
        if span.is_valid:
            entry["trace_id"] = format(span.trace_id, "032x")
            entry["span_id"] = format(span.span_id, "016x")
        entry.update(
            {
                key: redact(value) if isinstance(value, str) else value
                for key, value in record.__dict__.items()
                if key in ALLOWED_EXTRA
            }
        )
        if record.exc_info:
            entry["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO") -> None:
    """Sends every log record to standard error as JSON. Safe to call more than once."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.handlers = [handler]
    root.setLevel(level)
