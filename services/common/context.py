"""Who is calling and which request this is, carried in gRPC metadata across services."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

REQUEST_ID_KEY = "x-request-id"
ACTOR_KEY = "x-vestibule-actor"
CLIENT_ADDRESS_KEY = "x-vestibule-client-address"
ON_BEHALF_OF_KEY = "x-vestibule-on-behalf-of"


@dataclass(frozen=True)
class RequestContext:
    """The request's ID, the acting principal ("staff:<id>", "account:<id>", "anonymous",
    "system"), the patient record a proxy acts for, and the address of the person's client as
    the gateway saw it."""

    request_id: str
    actor: str = "system"
    client_address: str = ""
    on_behalf_of: str = ""

    def metadata(self) -> list[tuple[str, str]]:
        """The gRPC metadata that carries this context to the next service."""
        pairs = [(REQUEST_ID_KEY, self.request_id), (ACTOR_KEY, self.actor)]
        if self.client_address:
            pairs.append((CLIENT_ADDRESS_KEY, self.client_address))
        if self.on_behalf_of:
            pairs.append((ON_BEHALF_OF_KEY, self.on_behalf_of))
        return pairs

    @classmethod
    def from_metadata(cls, metadata: Iterable[tuple[str, str | bytes]]) -> RequestContext:
        values = {key: value for key, value in metadata if isinstance(value, str)}
        return cls(
            request_id=values.get(REQUEST_ID_KEY) or uuid.uuid4().hex,
            actor=values.get(ACTOR_KEY) or "system",
            client_address=values.get(CLIENT_ADDRESS_KEY, ""),
            on_behalf_of=values.get(ON_BEHALF_OF_KEY, ""),
        )


_current: ContextVar[RequestContext | None] = ContextVar("vestibule_request", default=None)


def current() -> RequestContext:
    """The context of the request being served, or a fresh system context outside one."""
    return _current.get() or RequestContext(request_id=uuid.uuid4().hex)


def serving() -> RequestContext | None:
    """The context of the request being served, or None outside a request."""
    return _current.get()


@contextmanager
def bound(context: RequestContext) -> Iterator[RequestContext]:
    """Makes `context` current for the block."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
