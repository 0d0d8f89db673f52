"""The real identity service: cheap calls' latency while clients sign in with argon2id."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc

from tests.bench.load import Latency, Load, channel, probe, serving

CALL_TIMEOUT = 60.0
PASSWORD = "Blue-Otter-Sings-42"
USER_ID = "BenchDesk1"


@dataclass(frozen=True)
class IdentityResult:
    """Sign-in throughput and each probed call's latency, idle and under sign-in load."""

    clients: int
    sign_ins_per_second: float
    idle: dict[str, Latency]
    loaded: dict[str, Latency]


def staff_sign_in(
    stub: identity_pb2_grpc.IdentityServiceStub, user_id: str
) -> identity_pb2.StaffSignInRequest:
    """Adds a staff member with PASSWORD; returns the request that signs them in."""
    stub.CreateStaffMember(
        identity_pb2.CreateStaffMemberRequest(
            idempotency_key=uuid.uuid4().hex,
            practice_id="bench-practice",
            user_id=user_id,
            password=PASSWORD,
            first_name="Bench",
            last_name="Desk",
            permissions=["view_patients"],
        ),
        timeout=CALL_TIMEOUT,
    )
    return identity_pb2.StaffSignInRequest(
        user_id=user_id.lower(), password=PASSWORD, device_label="bench"
    )


def measure(
    *, clients: int, seconds: float, warmup: float = 1.0, idle_seconds: float = 2.0
) -> IdentityResult:
    """Creates a staff member, then probes ResolveSession and CheckPassword in turn, idle and
    while `clients` threads run StaffSignIn back to back for `seconds`."""
    with (
        serving("identity") as address,
        channel(address) as load_channel,
        channel(address) as probe_channel,
    ):
        loader = identity_pb2_grpc.IdentityServiceStub(load_channel)
        prober = identity_pb2_grpc.IdentityServiceStub(probe_channel)
        sign_in = staff_sign_in(prober, USER_ID)
        token = prober.StaffSignIn(sign_in, timeout=CALL_TIMEOUT).session_token
        resolve = identity_pb2.ResolveSessionRequest(session_token=token)
        check = identity_pb2.CheckPasswordRequest(password=PASSWORD, username=USER_ID)
        calls = {
            "ResolveSession": lambda: prober.ResolveSession(resolve, timeout=CALL_TIMEOUT),
            "CheckPassword": lambda: prober.CheckPassword(check, timeout=CALL_TIMEOUT),
        }
        idle = probe(calls, idle_seconds)
        with Load(lambda: loader.StaffSignIn(sign_in, timeout=CALL_TIMEOUT), clients) as load:
            time.sleep(warmup)
            start = time.perf_counter()
            loaded = probe(calls, seconds)
            end = time.perf_counter()
    return IdentityResult(
        clients=clients,
        sign_ins_per_second=load.rate(start, end),
        idle={name: Latency.of(samples) for name, samples in idle.items()},
        loaded={name: Latency.of(samples) for name, samples in loaded.items()},
    )
