"""In-process gRPC doubles of the services the gateway calls, and an HTTP client for the
gateway, shared by the gateway tests (this module holds no tests).

The doubles are real gRPC servers on loopback behind the shared ServiceInterceptor, so a
domain error they raise reaches the gateway as the same rich status a real service sends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc
import httpx
from fastapi import FastAPI
from google.protobuf.timestamp_pb2 import Timestamp
from vestibule.enrollment.v1 import enrollment_pb2, enrollment_pb2_grpc
from vestibule.identity.v1 import identity_pb2, identity_pb2_grpc
from vestibule.proxy.v1 import proxy_pb2, proxy_pb2_grpc

from gateway.app import create_app
from gateway.settings import GatewaySettings
from services.common import errors
from services.common.interceptors import ServiceInterceptor
from services.common.settings import Settings

STAFF_TOKEN = "staff-token"
ACCOUNT_TOKEN = "account-token"
ALL_PERMISSIONS = ("view_patients", "edit_demographics", "enroll_patients")
EXPIRES = Timestamp(seconds=1_900_000_000)


def staff_session(
    *permissions: str, staff_id: str = "s1", practice_id: str = "p1"
) -> identity_pb2.ResolveSessionResponse:
    """A staff session of a staff member (s1 at practice p1 unless told)."""
    return identity_pb2.ResolveSessionResponse(
        kind=identity_pb2.PRINCIPAL_KIND_STAFF,
        principal_id=staff_id,
        practice_id=practice_id,
        permissions=permissions,
        expires_at=EXPIRES,
    )


def account_session() -> identity_pb2.ResolveSessionResponse:
    """A patient session of account a1."""
    return identity_pb2.ResolveSessionResponse(
        kind=identity_pb2.PRINCIPAL_KIND_ACCOUNT, principal_id="a1", expires_at=EXPIRES
    )


@dataclass
class Calls:
    """What the doubles received: (rpc name, request, metadata) in order."""

    received: list[tuple[str, Any, dict[str, str]]] = field(default_factory=list)

    def record(self, name: str, request: Any, context: grpc.ServicerContext) -> None:
        metadata = {k: v for k, v in context.invocation_metadata() if isinstance(v, str)}
        self.received.append((name, request, metadata))

    def last(self, name: str) -> tuple[Any, dict[str, str]]:
        """The request and metadata of the last call of `name`."""
        for called, request, metadata in reversed(self.received):
            if called == name:
                return request, metadata
        raise AssertionError(f"{name} was not called")


class Identity(identity_pb2_grpc.IdentityServiceServicer):
    """Sessions from a table; the password "right-password" signs anyone in."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.sessions = {
            STAFF_TOKEN: staff_session(*ALL_PERMISSIONS),
            ACCOUNT_TOKEN: account_session(),
        }

    def ResolveSession(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("ResolveSession", request, context)
        if request.session_token not in self.sessions:
            raise errors.Unauthenticated("Your session has ended. Sign in again.")
        return self.sessions[request.session_token]

    def CheckPassword(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("CheckPassword", request, context)
        long_enough = len(request.password) >= 12
        return identity_pb2.CheckPasswordResponse(
            requirements=[
                identity_pb2.Requirement(
                    name="min_length",
                    description="At least 12 characters",
                    met=long_enough,
                    limit=12,
                )
            ],
            acceptable=long_enough,
        )

    def LookUpUsername(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("LookUpUsername", request, context)
        return identity_pb2.LookUpUsernameResponse(username=f"user-of-{request.account_id}")

    def _check(self, password: str) -> None:
        if password != "right-password":
            raise errors.Unauthenticated("The user name or password is not right.")

    def StaffSignIn(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("StaffSignIn", request, context)
        self._check(request.password)
        return identity_pb2.StaffSignInResponse(
            session_token=STAFF_TOKEN,
            expires_at=EXPIRES,
            staff_member=identity_pb2.StaffMember(
                staff_id="s1",
                practice_id="p1",
                user_id=request.user_id,
                first_name="Ann",
                last_name="Staff",
                role=identity_pb2.STAFF_ROLE_ADMINISTRATOR,
                permissions=ALL_PERMISSIONS,
            ),
        )

    def SignIn(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("SignIn", request, context)
        self._check(request.password)
        return identity_pb2.SignInResponse(
            session_token=ACCOUNT_TOKEN,
            expires_at=EXPIRES,
            account=identity_pb2.Account(account_id="a1", username=request.username),
        )

    def SignOut(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("SignOut", request, context)
        return identity_pb2.SignOutResponse()

    def GetAccount(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("GetAccount", request, context)
        return identity_pb2.GetAccountResponse(
            account=identity_pb2.Account(
                account_id=request.account_id,
                username="janedoe",
                state=identity_pb2.ACCOUNT_STATE_ACTIVE,
                verified_email="jane@example.com",
            )
        )


def _patient(practice_id: str, patient_id: str, **facts: Any) -> enrollment_pb2.Patient:
    return enrollment_pb2.Patient(
        patient_id=patient_id,
        practice_id=practice_id,
        demographics=enrollment_pb2.Demographics(**facts),
        status=enrollment_pb2.ENROLLMENT_STATUS_NOT_ENROLLED,
    )


class Enrollment(enrollment_pb2_grpc.EnrollmentServiceServicer):
    """Patient pt1 of practice p1 has no email, so Enroll Now names it missing (E3)."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls

    def _find(self, practice_id: str, patient_id: str) -> enrollment_pb2.Patient:
        if (practice_id, patient_id) not in {("p1", "pt1"), ("p1", "pt2")}:
            raise errors.NotFound("No such patient at this practice.")
        return _patient(practice_id, patient_id, first_name="Jane", last_name="Doe")

    def AddPatient(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("AddPatient", request, context)
        patient = _patient(request.practice_id, "pt9")
        patient.demographics.CopyFrom(request.demographics)
        return enrollment_pb2.AddPatientResponse(patient=patient)

    def GetPatient(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("GetPatient", request, context)
        return enrollment_pb2.GetPatientResponse(
            patient=self._find(request.practice_id, request.patient_id)
        )

    def UpdatePatient(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("UpdatePatient", request, context)
        patient = self._find(request.practice_id, request.patient_id)
        for path in request.update_mask.paths:
            setattr(patient.demographics, path, getattr(request.demographics, path))
        return enrollment_pb2.UpdatePatientResponse(patient=patient)

    def EnrollNow(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("EnrollNow", request, context)
        patient = self._find(request.practice_id, request.patient_id)
        if request.patient_id == "pt1":
            raise errors.FailedPrecondition(
                "An invitation needs the fields named below.",
                violations=[errors.FieldViolation("email", "Add the patient's email address.")],
            )
        patient.status = enrollment_pb2.ENROLLMENT_STATUS_PENDING
        return enrollment_pb2.EnrollNowResponse(
            outcome=enrollment_pb2.ENROLL_NOW_OUTCOME_INVITATION_SENT,
            patient=patient,
            invitation=enrollment_pb2.Invitation(
                invitation_id="i1", sent_at=EXPIRES, expires_at=EXPIRES, channels=["email"]
            ),
        )

    def ResendInvitation(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("ResendInvitation", request, context)
        patient = self._find(request.practice_id, request.patient_id)
        patient.status = enrollment_pb2.ENROLLMENT_STATUS_PENDING
        return enrollment_pb2.ResendInvitationResponse(
            patient=patient,
            invitation=enrollment_pb2.Invitation(invitation_id="i2", channels=["email", "sms"]),
        )

    def VerifyInvitation(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("VerifyInvitation", request, context)
        return enrollment_pb2.VerifyInvitationResponse(
            activation_ticket="ticket-1", practice_name="Maple Clinic", practice_id="p1"
        )

    def SubmitSecurityDetails(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("SubmitSecurityDetails", request, context)
        return enrollment_pb2.SubmitSecurityDetailsResponse(
            code_channel="email", code_destination_hint="j***@example.com"
        )

    def CompleteActivation(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("CompleteActivation", request, context)
        return enrollment_pb2.CompleteActivationResponse(
            account_id="a1", practice_name="Maple Clinic"
        )

    def ListAccountEnrollments(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("ListAccountEnrollments", request, context)
        return enrollment_pb2.ListAccountEnrollmentsResponse(
            enrollments=[
                enrollment_pb2.AccountEnrollment(
                    practice=enrollment_pb2.Practice(practice_id="p1", name="Maple Clinic"),
                    patient_id="pt1",
                    status=enrollment_pb2.ENROLLMENT_STATUS_ENROLLED,
                    enrolled_at=EXPIRES,
                    first_name="Jane",
                )
            ]
        )


class Proxy(proxy_pb2_grpc.ProxyServiceServicer):
    """One guardian for patient pt1 of practice p1."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls

    def ListRelationships(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("ListRelationships", request, context)
        found = (request.practice_id, request.patient_id) == ("p1", "pt1")
        return proxy_pb2.ListRelationshipsResponse(
            relationships=[
                proxy_pb2.Relationship(
                    relationship_id="r1",
                    practice_id="p1",
                    patient_id="pt1",
                    proxy_account_id="mom",
                    kind=proxy_pb2.RELATIONSHIP_KIND_GUARDIAN,
                    status=proxy_pb2.RELATIONSHIP_STATUS_ACTIVE,
                    rights=["health_records:view"],
                    effective_rights=["health_records:view"],
                    created_at=EXPIRES,
                )
            ]
            if found
            else []
        )


@dataclass
class Doubles:
    """The running doubles and the settings that point the gateway at them."""

    calls: Calls
    identity: Identity
    shared: Settings


@contextmanager
def running_doubles(data_dir: Any) -> Iterator[Doubles]:
    """Identity, enrollment and proxy doubles on one loopback port, for the block."""
    calls = Calls()
    identity = Identity(calls)
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=8), interceptors=[ServiceInterceptor("double")]
    )
    identity_pb2_grpc.add_IdentityServiceServicer_to_server(identity, server)
    enrollment_pb2_grpc.add_EnrollmentServiceServicer_to_server(Enrollment(calls), server)
    proxy_pb2_grpc.add_ProxyServiceServicer_to_server(Proxy(calls), server)
    address = f"127.0.0.1:{server.add_insecure_port('127.0.0.1:0')}"
    server.start()
    shared = Settings(  # type: ignore[call-arg]
        data_dir=data_dir,
        identity_address=address,
        enrollment_address=address,
        proxy_address=address,
        rpc_timeout_seconds=5,
    )
    try:
        yield Doubles(calls=calls, identity=identity, shared=shared)
    finally:
        server.stop(0).wait()


class Http:
    """A synchronous HTTP client for a gateway app, over ASGI (no sockets, no lifespan)."""

    def __init__(self, app: FastAPI, *, client_ip: str = "203.0.113.7") -> None:
        self.app = app
        self.client_ip = client_ip

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Sends one request and returns the whole response."""

        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, client=(self.client_ip, 50000))
            async with httpx.AsyncClient(
                transport=transport, base_url="https://gateway.test"
            ) as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(send())

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)


@contextmanager
def gateway_for(shared: Settings, **gateway_overrides: Any) -> Iterator[FastAPI]:
    """A gateway app for `shared` serving the API alone (the pages are tested on their own),
    its channels closed after the block."""
    app = create_app(shared, GatewaySettings(**{"serve_pages": False, **gateway_overrides}))
    try:
        yield app
    finally:
        app.state.clients.close()


def staff_headers(token: str = STAFF_TOKEN) -> dict[str, str]:
    """The Authorization header of a session."""
    return {"Authorization": f"Bearer {token}"}
