"""The gateway application: routes, problems, authentication, rate limits, request context."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway import __version__, problems
from gateway.clients import Clients
from gateway.middleware import RequestContextMiddleware
from gateway.portal import mount_pages
from gateway.ratelimit import RateLimits
from gateway.routes import (
    account_security,
    account_settings,
    age_rules,
    audit,
    auto_invitations,
    patient,
    practice,
    practice_settings,
    preferences,
    proxy_invitations,
    records,
    recovery,
    recovery_username,
    registration,
    reports,
    staff,
)
from gateway.schemas import Health
from gateway.settings import GatewaySettings
from services.common.settings import Settings


def create_app(shared: Settings, gateway_settings: GatewaySettings) -> FastAPI:
    """The gateway for the services named in `shared`; channels open now, close on shutdown."""
    services = Clients.connect(shared)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        services.close()

    app = FastAPI(
        title="Vestibule",
        version=__version__,
        summary="The patient portal's front door: practice and patient routes.",
        lifespan=lifespan,
    )
    app.state.clients = services
    app.state.rate_limits = RateLimits(gateway_settings)
    problems.install(app)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(practice.router)
    app.include_router(staff.router)
    app.include_router(practice_settings.router)
    app.include_router(auto_invitations.router)
    app.include_router(reports.router)
    app.include_router(age_rules.router)
    app.include_router(preferences.router)
    app.include_router(recovery.router)
    app.include_router(patient.router)
    app.include_router(records.router)
    app.include_router(recovery_username.router)
    app.include_router(registration.patient_router)
    app.include_router(registration.practice_router)
    app.include_router(account_settings.router)
    app.include_router(account_security.router)
    app.include_router(audit.practice_router)
    app.include_router(audit.patient_router)
    app.include_router(proxy_invitations.practice_router)
    app.include_router(proxy_invitations.patient_router)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> Health:
        """The gateway process is alive (it does not ask the services)."""
        return Health(status="ok")

    if gateway_settings.serve_pages:
        mount_pages(app)
    return app
