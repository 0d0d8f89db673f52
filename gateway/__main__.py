"""`python -m gateway`: serves the gateway over HTTPS until SIGTERM."""

from __future__ import annotations

import uvicorn
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from gateway.app import create_app
from gateway.settings import GatewaySettings
from gateway.tls import certificate_files
from services.common import telemetry
from services.common.logs import configure_logging
from services.common.settings import Settings


def main() -> None:
    """Reads settings from the environment, sets up logs and traces, serves with TLS."""
    shared = Settings()  # type: ignore[call-arg]
    gateway_settings = GatewaySettings()
    configure_logging(shared.log_level)
    telemetry.configure_telemetry("gateway", shared)
    app = create_app(shared, gateway_settings)
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz")
    cert_file, key_file = certificate_files(shared, gateway_settings)
    uvicorn.run(
        app,
        host=gateway_settings.host,
        port=gateway_settings.port,
        ssl_certfile=cert_file,
        ssl_keyfile=key_file,
        access_log=False,  # URLs can hold identifiers; RequestContextMiddleware logs instead
        log_config=None,  # keep the JSON logging configured above
        server_header=False,
    )


if __name__ == "__main__":
    main()
