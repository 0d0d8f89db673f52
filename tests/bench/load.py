"""Client side of the benchmarks: start a server process, drive load, probe latency."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType

import grpc

READY_SECONDS = 30.0
BACK_OFF_SECONDS = 0.1


@contextmanager
def serving(model: str) -> Iterator[str]:
    """Runs `python -m tests.bench.serve MODEL` and yields its address; stops it on exit."""
    child = subprocess.Popen(  # noqa: S603 - our own module, with the running interpreter
        [sys.executable, "-m", "tests.bench.serve", model],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        for line in child.stdout:
            if line.startswith("port "):
                yield f"127.0.0.1:{int(line.split()[1])}"
                break
        else:
            raise RuntimeError(f"{model} server exited with {child.wait()} before listening")
    finally:
        child.stdin.close()  # the server stops when its stdin closes
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@contextmanager
def channel(address: str) -> Iterator[grpc.Channel]:
    """A ready channel with a connection of its own (no subchannel shared with other channels),
    so probes never queue behind the load on one HTTP/2 connection."""
    with grpc.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)]) as ch:
        grpc.channel_ready_future(ch).result(timeout=READY_SECONDS)
        yield ch


class Load:
    """`clients` threads each calling `call()` back to back until the block ends.

    A call refused with RESOURCE_EXHAUSTED is counted and retried after a pause, as a client
    backing off would; any other failure fails the benchmark when the block ends.
    """

    def __init__(self, call: Callable[[], object], clients: int) -> None:
        self._call = call
        self._stop = threading.Event()
        self._finished: list[float] = []
        self._refused: list[float] = []
        self._errors: list[BaseException] = []
        self._threads = [
            threading.Thread(target=self._run, name=f"load-{n}") for n in range(clients)
        ]

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._call()
            except grpc.RpcError as error:
                if error.code() is not grpc.StatusCode.RESOURCE_EXHAUSTED:
                    self._errors.append(error)
                    return
                self._refused.append(time.perf_counter())
                time.sleep(BACK_OFF_SECONDS)
                continue
            self._finished.append(time.perf_counter())

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        if self._errors and kind is None:
            raise RuntimeError(f"{len(self._errors)} load calls failed") from self._errors[0]

    def rate(self, start: float, end: float) -> float:
        """Calls completed per second between two `time.perf_counter()` readings."""
        return sum(start <= t < end for t in self._finished) / (end - start)

    def refused(self, start: float, end: float) -> float:
        """Calls refused (RESOURCE_EXHAUSTED) per second between two readings."""
        return sum(start <= t < end for t in self._refused) / (end - start)


def probe(
    calls: dict[str, Callable[[], object]], seconds: float, interval: float = 0.01
) -> dict[str, list[float]]:
    """Takes turns calling each of `calls` every `interval` seconds (at once when the previous
    call ran late) for `seconds`; returns each call's latencies in milliseconds."""
    samples: dict[str, list[float]] = {name: [] for name in calls}
    deadline = time.perf_counter() + seconds
    next_at = time.perf_counter()
    for name in itertools.cycle(calls):
        now = time.perf_counter()
        if now >= deadline:
            break
        time.sleep(max(0.0, next_at - now))
        started = time.perf_counter()
        calls[name]()
        samples[name].append((time.perf_counter() - started) * 1000)
        next_at = started + interval
    return samples


@dataclass(frozen=True)
class Latency:
    """Percentiles (nearest rank) of latencies in milliseconds."""

    p50: float
    p99: float
    worst: float
    count: int

    @classmethod
    def of(cls, samples: list[float]) -> Latency:
        ranked = sorted(samples)

        def rank(p: float) -> float:
            return ranked[max(0, math.ceil(p / 100 * len(ranked)) - 1)]

        return cls(p50=rank(50), p99=rank(99), worst=ranked[-1], count=len(ranked))
