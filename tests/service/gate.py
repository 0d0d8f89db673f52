"""A gate in front of a real service, for concurrency tests without timing: it forwards every
call unchanged, and holds the calls of the methods it watches until `together` of them wait at
once; from then on it lets them all through. A caller that makes its calls one after another
never opens it: after `patience` seconds each held call is answered UNAVAILABLE."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent import futures
from typing import Any

import grpc

# Metadata gRPC sets on its own; the rest (the request context) is passed on.
_TRANSPORT_KEYS = ("user-agent", "grpc-")


class _Turnstile:
    """Counts the calls waiting at it; opens for good once `together` wait at once."""

    def __init__(self, together: int) -> None:
        self._together = together
        self._waiting = 0
        self._changed = threading.Condition()
        self.opened = False

    def wait(self, patience: float) -> bool:
        with self._changed:
            self._waiting += 1
            if self._waiting >= self._together:
                self.opened = True
                self._changed.notify_all()
            passed = self._changed.wait_for(lambda: self.opened, patience)
            self._waiting -= 1
            return passed


class _Status(grpc.Status):
    def __init__(self, error: grpc.RpcError) -> None:
        self.code = error.code()  # type: ignore[attr-defined]
        self.details = error.details()  # type: ignore[attr-defined]
        self.trailing_metadata = error.trailing_metadata()  # type: ignore[attr-defined]


class Gate(grpc.GenericRpcHandler):
    """Listens on `address` and forwards to `target`; `opened(method)` says whether `together`
    calls of that method were ever held at once."""

    def __init__(
        self, target: str, methods: Iterable[str], *, together: int, patience: float = 3.0
    ) -> None:
        self._patience = patience
        self._turnstiles = {method: _Turnstile(together) for method in methods}
        self._channel = grpc.insecure_channel(target)
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=64))
        self._server.add_generic_rpc_handlers((self,))
        self.address = f"127.0.0.1:{self._server.add_insecure_port('127.0.0.1:0')}"
        self._server.start()

    def opened(self, method: str) -> bool:
        return self._turnstiles[method].opened

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
        method = handler_call_details.method  # type: ignore[attr-defined]
        return grpc.unary_unary_rpc_method_handler(
            lambda request, context: self._forward(method, request, context)
        )

    def _forward(self, method: str, request: bytes, context: grpc.ServicerContext) -> Any:
        turnstile = self._turnstiles.get(method)
        if turnstile is not None and not turnstile.wait(self._patience):
            context.abort(grpc.StatusCode.UNAVAILABLE, f"{method} calls came one at a time")
        metadata = [
            (k, v) for k, v in context.invocation_metadata() if not k.startswith(_TRANSPORT_KEYS)
        ]
        try:
            return self._channel.unary_unary(method)(
                request, timeout=context.time_remaining(), metadata=metadata
            )
        except grpc.RpcError as error:
            context.abort_with_status(_Status(error))

    def stop(self) -> None:
        self._server.stop(0).wait()
        self._channel.close()
