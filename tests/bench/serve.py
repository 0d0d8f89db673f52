"""One benchmark server in its own process: `python -m tests.bench.serve MODEL`.

It prints `port <n>` once it listens and serves until its stdin closes, so it never outlives
the benchmark that started it. Its own process gives it its own GIL, as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import threading
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from argon2 import PasswordHasher, Type

from services.common.migrate import upgrade
from services.common.settings import ServiceSettings, Settings
from services.identity.server import create_server
from services.identity.settings import IdentitySettings

CORES = os.cpu_count() or 1
SERVICE = "vestibule.bench.v1.Bench"
HASH = f"/{SERVICE}/Hash"
PING = f"/{SERVICE}/Ping"
WORKERS: int = ServiceSettings.model_fields["max_workers"].default
# The bounded threaded model admits this many hashes, running or waiting: half the workers.
ADMITTED = WORKERS // 2
# Nothing listens here; a staff sign-in sends nothing through the outbox anyway.
UNREACHABLE_NOTIFY = "127.0.0.1:1"


def production_identity_settings() -> IdentitySettings:
    """Identity's defaults (the production argon2 cost), whatever the environment says."""
    defaults = {name: field.default for name, field in IdentitySettings.model_fields.items()}
    return IdentitySettings(**defaults)


def production_hasher() -> PasswordHasher:
    settings = production_identity_settings()
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
        type=Type.ID,
    )


def _handler(hash_: Any, ping: Any) -> grpc.GenericRpcHandler:
    # No serializers: requests and responses are bytes, so no proto is needed.
    return grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "Hash": grpc.unary_unary_rpc_method_handler(hash_),
            "Ping": grpc.unary_unary_rpc_method_handler(ping),
        },
    )


def _announce(port: int) -> None:
    print(f"port {port}", flush=True)


def serve_threaded(*, admitted: int | None = None) -> None:
    """The services' model: grpc.server on their worker pool, one hash per core at a time.

    With `admitted`, at most that many hashes run or wait at once; more are refused with
    RESOURCE_EXHAUSTED, so waiting hashes never hold every worker.
    """
    hasher = production_hasher()
    slots = threading.BoundedSemaphore(CORES)
    admission = threading.BoundedSemaphore(admitted) if admitted else None

    def hash_(request: bytes, context: grpc.ServicerContext) -> bytes:
        if admission is not None and not admission.acquire(blocking=False):
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "too many hashes waiting")
        try:
            with slots:
                return hasher.hash(request).encode()
        finally:
            if admission is not None:
                admission.release()

    def ping(request: bytes, context: grpc.ServicerContext) -> bytes:
        return request

    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=WORKERS),
        handlers=[_handler(hash_, ping)],
        options=[("grpc.so_reuseport", 0)],
    )
    _announce(server.add_insecure_port("127.0.0.1:0"))
    server.start()
    sys.stdin.read()
    server.stop(0).wait()


async def serve_aio(*, on_loop: bool) -> None:
    """grpc.aio; the hash runs in a pool of one thread per core, or on the loop itself."""
    hasher = production_hasher()
    pool = futures.ThreadPoolExecutor(max_workers=CORES)
    loop = asyncio.get_running_loop()

    async def hash_(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        if on_loop:
            return hasher.hash(request).encode()
        return (await loop.run_in_executor(pool, hasher.hash, request)).encode()

    async def ping(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        return request

    server = grpc.aio.server(handlers=[_handler(hash_, ping)], options=[("grpc.so_reuseport", 0)])
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    _announce(port)
    await asyncio.to_thread(sys.stdin.read)
    await server.stop(0)
    pool.shutdown()


def serve_identity() -> None:
    """The real identity service, production argon2, on a migrated SQLite database."""
    with tempfile.TemporaryDirectory(prefix="vestibule-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'identity.db'}"
        upgrade("identity", url)
        shared = Settings(
            secret_key=secrets.token_urlsafe(48),  # type: ignore[arg-type]
            data_dir=Path(folder) / "data",
            notify_address=UNREACHABLE_NOTIFY,
        )
        settings = ServiceSettings(
            name="identity", database_url=url, port=0, shutdown_grace_seconds=0
        )
        host = create_server(settings, shared, production_identity_settings()).start()
        _announce(host.port)
        sys.stdin.read()
        host.stop(0)


MODELS = {
    "threaded": serve_threaded,
    "threaded-bounded": lambda: serve_threaded(admitted=ADMITTED),
    "aio-executor": lambda: asyncio.run(serve_aio(on_loop=False)),
    "aio-on-loop": lambda: asyncio.run(serve_aio(on_loop=True)),
    "identity": serve_identity,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=MODELS)
    MODELS[parser.parse_args().model]()


if __name__ == "__main__":
    main()
