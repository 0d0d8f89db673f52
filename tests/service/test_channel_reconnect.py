"""A channel to a service that is down keeps trying to reconnect every couple of seconds, so
an outbox's calls go through within seconds of the service coming back (N5), rather than after
gRPC's default wait, which grows to two minutes."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from itertools import pairwise

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.common.clients import connect

# gRPC's default waits grow 1, 1.6, 2.6, 4.1, 6.6 s (each give or take 20 %): within this
# many seconds a channel without a cap waits more than 3.2 s at least once; capped at 2 s it
# never waits more than 2.4 s.
WATCHED = 14.0
LONGEST_WAIT = 3.0


@pytest.fixture
def down_service() -> Iterator[tuple[str, list[float]]]:
    """An address where a connection is taken and dropped at once, as by a service that is
    not up: a gRPC channel counts each as a failed attempt. Yields the address and the
    moments of the attempts."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    attempts: list[float] = []

    def take_and_drop() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:  # closed: the test is over
                return
            attempts.append(time.monotonic())
            connection.close()

    thread = threading.Thread(target=take_and_drop, daemon=True)
    thread.start()
    yield f"127.0.0.1:{listener.getsockname()[1]}", attempts
    listener.shutdown(socket.SHUT_RDWR)  # wakes the thread's accept()
    listener.close()
    thread.join(5)


# rule N5
def test_a_channel_to_a_service_that_is_down_retries_every_few_seconds_N5(down_service):
    address, attempts = down_service
    channel = connect(address, default_timeout=WATCHED)
    try:
        with pytest.raises(grpc.RpcError) as waited:
            health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), wait_for_ready=True
            )
    finally:
        channel.close()
    assert waited.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    waits = [later - earlier for earlier, later in pairwise(attempts)]
    assert len(waits) >= 4
    assert max(waits) < LONGEST_WAIT
