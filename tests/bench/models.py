"""Server models compared on a minimal servicer: Ping latency while clients hash passwords."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from tests.bench.load import Latency, Load, channel, probe, serving
from tests.bench.serve import HASH, PING, production_hasher

CALL_TIMEOUT = 60.0
PASSWORD = b"Blue-Otter-Sings-42"


@dataclass(frozen=True)
class ModelResult:
    """One server model under `clients` concurrent hash clients."""

    model: str
    clients: int
    hashes_per_second: float
    refused_per_second: float
    idle: Latency
    loaded: Latency


def measure(
    model: str, *, clients: int, seconds: float, warmup: float = 1.0, idle_seconds: float = 1.0
) -> ModelResult:
    """Ping latency idle, then Ping latency and hash throughput over `seconds` of hash load."""
    with (
        serving(model) as address,
        channel(address) as load_channel,
        channel(address) as probe_channel,
    ):
        hash_ = load_channel.unary_unary(HASH)
        ping = probe_channel.unary_unary(PING)
        calls = {"Ping": lambda: ping(b"ping", timeout=CALL_TIMEOUT)}
        idle = probe(calls, idle_seconds)["Ping"]
        with Load(lambda: hash_(PASSWORD, timeout=CALL_TIMEOUT), clients) as load:
            time.sleep(warmup)
            start = time.perf_counter()
            loaded = probe(calls, seconds)["Ping"]
            end = time.perf_counter()
    return ModelResult(
        model=model,
        clients=clients,
        hashes_per_second=load.rate(start, end),
        refused_per_second=load.refused(start, end),
        idle=Latency.of(idle),
        loaded=Latency.of(loaded),
    )


def hash_rate_without_grpc(*, threads: int, seconds: float) -> float:
    """Hashes per second of `threads` threads hashing back to back in this process: the
    ceiling any server model can reach on this machine."""
    hasher = production_hasher()
    deadline = time.perf_counter() + seconds
    counts = [0] * threads

    def run(slot: int) -> None:
        while time.perf_counter() < deadline:
            hasher.hash(PASSWORD)
            counts[slot] += 1

    workers = [threading.Thread(target=run, args=(slot,)) for slot in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(counts) / (time.perf_counter() - started)
