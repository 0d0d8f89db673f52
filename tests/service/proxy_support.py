"""Helpers for the proxy service tests: recording doubles of the services proxy calls (enrollment
for records and time zones, identity for account notices; notify is `NotifySink`), a started
proxy pointed at them, and relationships put straight into its database."""

from __future__ import annotations

import threading
from concurrent import futures
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import grpc
from vestibule.enrollment.v1 import enrollment_pb2, enrollment_pb2_grpc
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc

from services.common.server import ServiceHost
from services.common.settings import Settings
from services.proxy.models import Relationship
from services.proxy.server import create_server
from tests.conftest import TEST_SECRET_KEY


@dataclass
class Record:
    """A patient record as the enrollment double knows it."""

    practice_id: str = "practice-1"
    account_id: str = ""
    date_of_birth: str = "2014-05-20"
    zip_code: str = "60614"
    first_name: str = "Sam"
    email: str = ""


class _Double:
    def __init__(self, add: Any) -> None:
        self.requests: list[Any] = []
        self._lock = threading.Lock()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        add(self, self._server)
        self.address = f"127.0.0.1:{self._server.add_insecure_port('127.0.0.1:0')}"
        self._server.start()

    def _keep(self, request: Any) -> None:
        with self._lock:
            self.requests.append(request)

    def stop(self) -> None:
        self._server.stop(0).wait()


class EnrollmentForProxy(_Double, enrollment_pb2_grpc.EnrollmentServiceServicer):
    """Answers GetPatient from `records` (patient ID to Record; NOT_FOUND otherwise, and for
    another practice's record), GetPracticeSettings from `time_zones`, and GetPractice with a
    name made of the practice ID."""

    def __init__(self) -> None:
        self.records: dict[str, Record] = {}
        self.time_zones: dict[str, str] = {}
        super().__init__(enrollment_pb2_grpc.add_EnrollmentServiceServicer_to_server)

    def GetPatient(self, request, context):  # type: ignore[no-untyped-def]
        self._keep(request)
        record = self.records.get(request.patient_id)
        if record is None or record.practice_id != request.practice_id:
            context.abort(grpc.StatusCode.NOT_FOUND, "No such patient.")
        return enrollment_pb2.GetPatientResponse(
            patient=enrollment_pb2.Patient(
                patient_id=request.patient_id,
                practice_id=record.practice_id,
                account_id=record.account_id,
                demographics=enrollment_pb2.Demographics(
                    first_name=record.first_name,
                    date_of_birth=record.date_of_birth,
                    zip_code=record.zip_code,
                    email=record.email,
                ),
            )
        )

    def GetPracticeSettings(self, request, context):  # type: ignore[no-untyped-def]
        self._keep(request)
        zone = self.time_zones.get(request.practice_id, "America/Chicago")
        return enrollment_pb2.GetPracticeSettingsResponse(
            settings=enrollment_pb2.PracticeSettings(time_zone=zone)
        )

    def GetPractice(self, request, context):  # type: ignore[no-untyped-def]
        self._keep(request)
        return enrollment_pb2.GetPracticeResponse(
            practice=enrollment_pb2.Practice(
                practice_id=request.practice_id,
                name=f"Clinic {request.practice_id}",
                contact_phone="+13125550100",
            )
        )


class IdentityForProxy(_Double, identity_pb2_grpc.IdentityServiceServicer):
    """Keeps every account notice and record access review proxy asks for; answers GetAccount
    from `emails` (account ID to verified email); registers pending accounts (one per
    idempotency key, kept in `registered`) whose code is CODE, and activates them with it."""

    CODE = "123456"

    def __init__(self) -> None:
        self._arrived = threading.Condition()
        self.emails: dict[str, str] = {}
        self.registered: dict[str, identity_pb2.RegisterAccountRequest] = {}
        self.active: set[str] = set()
        super().__init__(identity_pb2_grpc.add_IdentityServiceServicer_to_server)

    def GetAccount(self, request, context):  # type: ignore[no-untyped-def]
        if request.account_id not in self.emails:
            context.abort(grpc.StatusCode.NOT_FOUND, "No such account.")
        return identity_pb2.GetAccountResponse(
            account=identity_pb2.Account(
                account_id=request.account_id, verified_email=self.emails[request.account_id]
            )
        )

    def RegisterAccount(self, request, context):  # type: ignore[no-untyped-def]
        account_id = f"new-{request.idempotency_key}"
        with self._lock:
            self.registered.setdefault(account_id, request)
        return identity_pb2.RegisterAccountResponse(
            account_id=account_id,
            code_channel=identity_pb2.VERIFICATION_CHANNEL_EMAIL,
            code_destination_hint="g***@example.com",
        )

    def VerifyAccount(self, request, context):  # type: ignore[no-untyped-def]
        if request.account_id not in self.registered:
            context.abort(grpc.StatusCode.NOT_FOUND, "No such account.")
        if request.account_id not in self.active and request.code != self.CODE:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "Wrong code.")
        activated_now = request.account_id not in self.active
        self.active.add(request.account_id)
        answer = identity_pb2.VerifyAccountResponse(
            account=identity_pb2.Account(account_id=request.account_id)
        )
        if request.open_session and activated_now:
            # As identity does: a session only when this code activated the account.
            answer.session_token = f"session-of-{request.account_id}-on-{request.device_label}"
            answer.expires_at.GetCurrentTime()
            answer.factors = "activation_code"
            answer.required_actions.append("set_security_questions")
        return answer

    def ResendVerificationCode(self, request, context):  # type: ignore[no-untyped-def]
        self._keep(request)
        if request.account_id not in self.registered or request.account_id in self.active:
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "Not pending.")
        return identity_pb2.ResendVerificationCodeResponse(
            code_channel=identity_pb2.VERIFICATION_CHANNEL_EMAIL,
            code_destination_hint="g***@example.com",
        )

    def SendAccountNotice(self, request, context):  # type: ignore[no-untyped-def]
        with self._arrived:
            self._keep(request)
            self._arrived.notify_all()
        return identity_pb2.SendAccountNoticeResponse(queued=True)

    def ReviewRecordAccess(self, request, context):  # type: ignore[no-untyped-def]
        self._keep(request)
        return identity_pb2.ReviewRecordAccessResponse(sessions_ended=True)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Any]:
        with self._arrived:
            assert self._arrived.wait_for(lambda: len(self.requests) >= count, timeout)
            return self.requests[:count]


def start_proxy(
    start_service: Any, shared: Settings, *, enrollment: str, identity: str, notify: str
) -> ServiceHost:
    """Starts proxy with its outbox and enrollment pointed at the doubles' addresses."""
    settings = Settings(
        secret_key=TEST_SECRET_KEY,  # type: ignore[arg-type]
        data_dir=shared.data_dir,
        enrollment_address=enrollment,
        identity_address=identity,
        notify_address=notify,
    )
    return start_service("proxy", create_server, settings, worker_interval_seconds=0.05)


@dataclass
class Link:
    """A relationship to put straight into proxy's database (what accepting an invitation
    makes)."""

    patient_id: str
    proxy_account_id: str
    kind: str = "guardian"
    rights: list[str] = field(default_factory=lambda: ["health_records:act", "messages:act"])
    status: str = "active"
    practice_id: str = "practice-1"
    patient_account_id: str | None = None
    dependent_born: date | None = date(2014, 5, 20)
    proxy_email: str | None = None
    proxy_first_name: str = ""
    proxy_last_name: str = ""


def add_relationship(proxy: ServiceHost, link: Link) -> str:
    """Adds the relationship; its ID."""
    with proxy.database.transaction() as session:
        row = Relationship(
            practice_id=link.practice_id,
            patient_id=link.patient_id,
            proxy_account_id=link.proxy_account_id,
            kind=link.kind,
            rights=link.rights,
            status=link.status,
            patient_account_id=link.patient_account_id,
            dependent_born=link.dependent_born if link.kind == "guardian" else None,
            proxy_email=link.proxy_email,
            proxy_first_name=link.proxy_first_name,
            proxy_last_name=link.proxy_last_name,
        )
        session.add(row)
        session.flush()
        return row.id
