"""One origin for a person: the portal's pages (`web`) at `/` and the API at `/v1`, served by
one process. The pages call the API as any client would, through an in-process ASGI transport
(no socket, no TLS) that carries the browser's address, so rate limits and audit records see
the person."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from starlette.requests import Request

from web.app import create_app as create_pages


def mount_pages(api: FastAPI) -> None:
    """Serves the pages at `/`, behind every API route (matched first)."""

    def transport_for(request: Request) -> httpx.AsyncBaseTransport:
        client = (request.client.host, request.client.port) if request.client else ("", 0)
        return httpx.ASGITransport(app=api, client=client)

    api.mount("/", create_pages(transport_for))
