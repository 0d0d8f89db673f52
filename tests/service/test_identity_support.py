"""Helpers for the identity service tests: cheap hashing, recording notify and enrollment
servers, details."""

from __future__ import annotations

import functools
import threading
import time
import uuid
from concurrent import futures
from datetime import timedelta
from functools import partial
from typing import Any

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy import func, select
from vestibule.enrollment.v1 import enrollment_pb2, enrollment_pb2_grpc
from vestibule.identity.v1 import identity_pb2
from vestibule.notify.v1 import notify_pb2, notify_pb2_grpc
from vestibule.proxy.v1 import proxy_pb2, proxy_pb2_grpc

from services.common.server import ServiceHost
from services.common.settings import Settings
from services.identity.forgot_username import REMINDER_JOB
from services.identity.models import OutboxMessage
from services.identity.password_resets import LINK_JOB
from services.identity.server import create_server
from services.identity.settings import IdentitySettings
from tests.conftest import TEST_SECRET_KEY

CHEAP_HASHING = IdentitySettings(argon2_time_cost=1, argon2_memory_kib=8, argon2_parallelism=1)
PASSWORD = "Blue-Otter-Sings-42"
# Nothing listens here: the relay keeps failing and the sealed payload stays in the outbox.
UNREACHABLE_NOTIFY = "127.0.0.1:1"


class NotifySink(notify_pb2_grpc.NotifyServiceServicer):
    """A real gRPC notify server on a free loopback port that records what it is asked to send."""

    def __init__(self) -> None:
        self.requests: list[notify_pb2.SendNotificationRequest] = []
        self._arrived = threading.Condition()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        notify_pb2_grpc.add_NotifyServiceServicer_to_server(self, self._server)
        self.address = f"127.0.0.1:{self._server.add_insecure_port('127.0.0.1:0')}"
        self._server.start()

    def SendNotification(
        self, request: notify_pb2.SendNotificationRequest, context: grpc.ServicerContext
    ) -> notify_pb2.SendNotificationResponse:
        with self._arrived:
            self.requests.append(request)
            self._arrived.notify_all()
        notification = notify_pb2.Notification(notification_id=uuid.uuid4().hex)
        return notify_pb2.SendNotificationResponse(notification=notification)

    def wait_for(
        self, count: int, timeout: float = 10.0
    ) -> list[notify_pb2.SendNotificationRequest]:
        """The first `count` requests, once they have arrived."""
        with self._arrived:
            assert self._arrived.wait_for(lambda: len(self.requests) >= count, timeout)
            return self.requests[:count]

    def code_for(self, recipient: str) -> str:
        """The verification code sent to `recipient`, waiting for it to arrive."""
        with self._arrived:
            assert self._arrived.wait_for(
                lambda: any(r.recipient == recipient for r in self.requests), 10.0
            )
            return next(r for r in self.requests if r.recipient == recipient).parameters["code"]

    def codes_for(self, recipient: str, count: int) -> list[str]:
        """The first `count` verification codes sent to `recipient`, oldest first, waiting
        for them to arrive."""

        def codes() -> list[str]:
            return [r.parameters["code"] for r in self.requests if r.recipient == recipient]

        with self._arrived:
            assert self._arrived.wait_for(lambda: len(codes()) >= count, 10.0)
            return codes()[:count]

    def stop(self) -> None:
        self._server.stop(0).wait()


class EnrollmentDouble(enrollment_pb2_grpc.EnrollmentServiceServicer):
    """A real gRPC enrollment server on a free loopback port answering what identity asks of
    enrollment: MatchLinkedPatients from `linked` (account ID to last name and date of birth),
    CheckAccountInformation from `records` (account ID to first name, last name, date of
    birth, E.164 home phone and street address), ListAccountEnrollments from `enrollments`
    (account ID to its records) and GetPractice from `practices`. It keeps every request, so
    a test sees enrollment asked even with no candidate."""

    def __init__(self) -> None:
        self.linked: dict[str, tuple[str, str]] = {}
        self.records: dict[str, tuple[str, str, str, str, str]] = {}
        self.enrollments: dict[str, list[enrollment_pb2.AccountEnrollment]] = {}
        self.practices: dict[str, enrollment_pb2.Practice] = {}
        self.requests: list[Any] = []
        self._lock = threading.Lock()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        enrollment_pb2_grpc.add_EnrollmentServiceServicer_to_server(self, self._server)
        self.address = f"127.0.0.1:{self._server.add_insecure_port('127.0.0.1:0')}"
        self._server.start()

    def MatchLinkedPatients(self, request, context):  # type: ignore[no-untyped-def]
        with self._lock:
            self.requests.append(request)
        given = (request.last_name.strip().casefold(), request.date_of_birth)
        matched = [
            account_id
            for account_id in request.account_ids
            if account_id in self.linked
            and (self.linked[account_id][0].casefold(), self.linked[account_id][1]) == given
        ]
        return enrollment_pb2.MatchLinkedPatientsResponse(account_ids=matched)

    def CheckAccountInformation(self, request, context):  # type: ignore[no-untyped-def]
        with self._lock:
            self.requests.append(request)
        record = self.records.get(request.account_id)
        given = (
            request.first_name.strip().casefold(),
            request.last_name.strip().casefold(),
            request.date_of_birth,
            request.home_phone,
        )
        if record is None or tuple(v.casefold() for v in record[:2]) + record[2:4] != given:
            return enrollment_pb2.CheckAccountInformationResponse()
        return enrollment_pb2.CheckAccountInformationResponse(
            matched=True, street_address=record[4]
        )

    def ListAccountEnrollments(self, request, context):  # type: ignore[no-untyped-def]
        with self._lock:
            self.requests.append(request)
        return enrollment_pb2.ListAccountEnrollmentsResponse(
            enrollments=self.enrollments.get(request.account_id, [])
        )

    def GetPractice(self, request, context):  # type: ignore[no-untyped-def]
        if request.practice_id not in self.practices:
            context.abort(grpc.StatusCode.NOT_FOUND, "No such practice.")
        return enrollment_pb2.GetPracticeResponse(practice=self.practices[request.practice_id])

    def stop(self) -> None:
        self._server.stop(0).wait()


class ProxyDouble(proxy_pb2_grpc.ProxyServiceServicer):
    """A real gRPC proxy server on a free loopback port answering what identity asks of proxy:
    ListAccessibleRecords from `active` and `suspended` (account ID to relationships)."""

    def __init__(self) -> None:
        self.active: dict[str, list[proxy_pb2.Relationship]] = {}
        self.suspended: dict[str, list[proxy_pb2.Relationship]] = {}
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        proxy_pb2_grpc.add_ProxyServiceServicer_to_server(self, self._server)
        self.address = f"127.0.0.1:{self._server.add_insecure_port('127.0.0.1:0')}"
        self._server.start()

    def ListAccessibleRecords(self, request, context):  # type: ignore[no-untyped-def]
        return proxy_pb2.ListAccessibleRecordsResponse(
            relationships=self.active.get(request.account_id, []),
            suspended=self.suspended.get(request.account_id, []),
        )

    def stop(self) -> None:
        self._server.stop(0).wait()


@functools.cache
def knowing_no_record() -> tuple[EnrollmentDouble, ProxyDouble]:
    """An enrollment and a proxy double, started once per test process, that know no patient
    record: the accounts of a test that names no others sign in as accounts never linked."""
    return EnrollmentDouble(), ProxyDouble()


def start_identity(
    start_service: Any,
    shared: Settings,
    notify_address: str,
    enrollment_address: str = "",
    proxy_address: str = "",
    hashing: IdentitySettings = CHEAP_HASHING,
) -> ServiceHost:
    """Starts identity with cheap argon2 parameters (or `hashing`), its outbox pointed at
    `notify_address`, enrollment at `enrollment_address` and proxy at `proxy_address` (doubles
    that know no record when not given)."""
    enrollment, proxy = knowing_no_record()
    settings = Settings(
        secret_key=TEST_SECRET_KEY,  # type: ignore[arg-type]
        data_dir=shared.data_dir,
        notify_address=notify_address,
        enrollment_address=enrollment_address or enrollment.address,
        proxy_address=proxy_address or proxy.address,
    )
    return start_service("identity", partial(create_server, identity_settings=hashing), settings)


def jobs_done(identity: ServiceHost, timeout: float = 10.0) -> None:
    """Waits until identity's outbox relay has done the work it queued for itself after
    answering: the reset links and username reminders asked for (X3)."""
    deadline = time.monotonic() + timeout
    while True:
        with identity.database.transaction() as session:
            waiting = session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.method.in_([LINK_JOB, REMINDER_JOB]),
                    OutboxMessage.delivered_at.is_(None),
                )
            )
        if not waiting:
            return
        assert time.monotonic() < deadline, f"{waiting} jobs still waiting"
        time.sleep(0.02)


def registration(
    username: str = "JaneDoe", *, email: str = "jane.doe@example.com", **fields: str
) -> identity_pb2.RegisterAccountRequest:
    """A valid registration; keywords override fields."""
    values = {
        "idempotency_key": uuid.uuid4().hex,
        "username": username,
        "password": PASSWORD,
        "email": email,
        "practice_id": "practice-1",
        **fields,
    }
    return identity_pb2.RegisterAccountRequest(**values)


def field_violations(error: grpc.RpcError) -> dict[str, str]:
    """The BadRequest field violations of a failed call, by field."""
    violations: dict[str, str] = {}
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            violations.update({v.field: v.description for v in bad_request.field_violations})
    return violations


def error_info(error: grpc.RpcError) -> error_details_pb2.ErrorInfo:
    """The ErrorInfo of a failed call."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    info = error_details_pb2.ErrorInfo()
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            detail.Unpack(info)
    return info


def retry_delay(error: grpc.RpcError) -> timedelta | None:
    """The RetryInfo delay of a failed call, if it has one."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            info = error_details_pb2.RetryInfo()
            detail.Unpack(info)
            return info.retry_delay.ToTimedelta()
    return None
