"""`python -m tests.bench` (`make bench`): every benchmark as tables, in under two minutes."""

from __future__ import annotations

import argparse
import platform
import sys
from importlib.metadata import version

from tests.bench import identity, memory, models
from tests.bench.load import Latency
from tests.bench.serve import ADMITTED, CORES, WORKERS, production_identity_settings

CLIENTS = 8
# More hash clients than the threaded server's 16 workers: what happens past its limit.
OVERLOAD_CLIENTS = 24
MODEL_RUNS = [
    ("threaded", CLIENTS),
    ("aio-executor", CLIENTS),
    ("aio-on-loop", CLIENTS),
    ("threaded", OVERLOAD_CLIENTS),
    ("aio-executor", OVERLOAD_CLIENTS),
    ("threaded-bounded", OVERLOAD_CLIENTS),
]


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(map(len, column)) for column in zip(header, *rows, strict=True)]
    lines = [header, ["-" * width for width in widths], *rows]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if n == 0 else cell.rjust(width)
            for n, (cell, width) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    )


def _latency(latency: Latency) -> list[str]:
    return [f"{latency.p50:.1f}", f"{latency.p99:.1f}", f"{latency.worst:.1f}", str(latency.count)]


def _progress(message: str) -> None:
    print(f"  ... {message}", file=sys.stderr, flush=True)


def _machine() -> str:
    argon2 = production_identity_settings()
    alone = models.hash_rate_without_grpc(threads=1, seconds=2)
    every_core = models.hash_rate_without_grpc(threads=CORES, seconds=2)
    return (
        f"Machine: {CORES} cores; Python {platform.python_version()}, "
        f"grpcio {version('grpcio')}, argon2-cffi {version('argon2-cffi')}\n"
        f"argon2id: time_cost={argon2.argon2_time_cost}, "
        f"memory={argon2.argon2_memory_kib // 1024} MiB, parallelism={argon2.argon2_parallelism}; "
        f"without gRPC: {1000 / alone:.0f} ms a hash, {alone:.1f} hashes/s on 1 thread, "
        f"{every_core:.1f} on {CORES}"
    )


def _models(seconds: float) -> str:
    rows = []
    for model, clients in MODEL_RUNS:
        _progress(f"{model} with {clients} hash clients")
        result = models.measure(model, clients=clients, seconds=seconds)
        rows.append(
            [
                result.model,
                str(result.clients),
                f"{result.hashes_per_second:.1f}",
                f"{result.refused_per_second:.1f}",
                f"{result.idle.p50:.1f}",
                *_latency(result.loaded),
            ]
        )
    header = ["model", "clients", "hashes/s", "refused/s", "idle p50", "p50", "p99", "max", "pings"]
    legend = (
        f"threaded: grpc.server, {WORKERS} workers, {CORES} hashes at a time (as in services/)\n"
        f"aio-executor: grpc.aio, hashes in a pool of {CORES} threads (run_in_executor)\n"
        "aio-on-loop: grpc.aio, hashes called on the event loop\n"
        f"threaded-bounded: threaded, at most {ADMITTED} hashes running or waiting, "
        "RESOURCE_EXHAUSTED beyond (clients retry after 0.1 s)"
    )
    return (
        f"(a) Server models on a minimal servicer: Ping latency in ms while the clients hash "
        f"({seconds:g} s each)\n{_table(header, rows)}\n{legend}"
    )


def _identity(seconds: float) -> str:
    _progress(f"identity with {CLIENTS} sign-in clients")
    result = identity.measure(clients=CLIENTS, seconds=seconds)
    rows = [[name, "idle", "", *_latency(latency)] for name, latency in result.idle.items()] + [
        [name, "signing in", f"{result.sign_ins_per_second:.1f}", *_latency(latency)]
        for name, latency in result.loaded.items()
    ]
    header = ["call", "while", "sign-ins/s", "p50", "p99", "max", "calls"]
    return (
        f"(b) Identity service (threaded, SQLite): latency in ms, idle and while {CLIENTS} "
        f"clients run StaffSignIn ({seconds:g} s)\n{_table(header, rows)}"
    )


def _memory(seconds: float) -> str:
    _progress("memory of each process, then identity under sign-in load")
    rows = [
        [f.name, f"{f.idle_mib:.0f}", f"{f.peak_mib:.0f}", f.note]
        for f in memory.measure(seconds=seconds)
    ]
    header = ["process", "idle MiB", "peak MiB", "while"]
    return (
        "(c) Resident memory of each process as deployed (SQLite; production argon2id); the "
        f"idle peak of identity includes its start-up hash\n{_table(header, rows)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="hash load per scenario")
    seconds = parser.parse_args().seconds
    machine = _machine()
    report = [machine, _models(seconds), _identity(seconds), _memory(seconds)]
    print("\n\n".join(report))


if __name__ == "__main__":
    main()
