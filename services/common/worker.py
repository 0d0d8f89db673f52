"""A background loop that drains a queue table: runs `tick` until it finds nothing, then waits."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from opentelemetry.instrumentation.utils import suppress_instrumentation

log = logging.getLogger("vestibule.worker")


class BackgroundWorker:
    """Calls `tick()` (which returns how many items it handled) in its own thread, again at once
    while there is work, otherwise every `interval` seconds or when `wake()` is called."""

    def __init__(self, name: str, tick: Callable[[], int], interval: float) -> None:
        self.name = name
        self._tick = tick
        self._interval = interval
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Asks for a tick now, e.g. right after work was committed."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                # Untraced: a poll twice a second would otherwise fill the traces with empty
                # queries. What a tick delivers is traced by the service that receives it, and
                # counted by the metrics.
                with suppress_instrumentation():
                    handled = self._tick()
            except Exception:
                log.exception("worker tick failed", extra={"service": self.name})
                handled = 0
            if handled == 0:
                self._wake.wait(self._interval)
                self._wake.clear()
