"""The gateway's patient search, dashboard, unenroll and reactivate routes over HTTP, against
service doubles on real gRPC: each route class allowed with its permission, refused without."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass

import grpc
import pytest
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc
from vestibule.identity.v1 import identity_pb2_grpc
from vestibule.proxy.v1 import proxy_pb2_grpc

from services.common import errors
from services.common.interceptors import ServiceInterceptor
from services.common.settings import Settings
from tests.unit.test_gateway_doubles import (
    EXPIRES,
    Calls,
    Enrollment,
    Http,
    Identity,
    Proxy,
    gateway_for,
    staff_headers,
    staff_session,
)

ENROLLED = pb.Patient(
    patient_id="pt1",
    practice_id="p1",
    demographics=pb.Demographics(first_name="Jane", last_name="Doe"),
    status=pb.ENROLLMENT_STATUS_ENROLLED,
    account_id="a1",
    mrn="A-100",
    available_actions=[pb.PATIENT_ACTION_UNENROLL],
)


class Registry(Enrollment):
    """Patient pt1 of practice p1 is enrolled, with one used invitation."""

    def GetPatient(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("GetPatient", request, context)
        if (request.practice_id, request.patient_id) != ("p1", "pt1"):
            raise errors.NotFound("No such patient at this practice.")
        return pb.GetPatientResponse(patient=ENROLLED)

    def SearchPatients(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("SearchPatients", request, context)
        return pb.SearchPatientsResponse(patients=[ENROLLED], next_page_token="next-page")

    def ListInvitations(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("ListInvitations", request, context)
        used = pb.Invitation(
            invitation_id="i1",
            sent_at=EXPIRES,
            expires_at=EXPIRES,
            channels=["email"],
            state=pb.INVITATION_STATE_USED,
        )
        return pb.ListInvitationsResponse(invitations=[used])

    def Unenroll(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("Unenroll", request, context)
        patient = pb.Patient()
        patient.CopyFrom(ENROLLED)
        patient.status = pb.ENROLLMENT_STATUS_UNENROLLED
        return pb.UnenrollResponse(patient=patient)

    def Reactivate(self, request, context):  # type: ignore[no-untyped-def]
        self.calls.record("Reactivate", request, context)
        return pb.ReactivateResponse(patient=ENROLLED)


@dataclass
class Doubles:
    calls: Calls
    identity: Identity
    http: Http

    def as_staff(self, *permissions: str) -> dict[str, str]:
        """Headers of a session of practice p1's staff member holding `permissions`."""
        token = "token-" + "-".join(permissions)
        self.identity.sessions[token] = staff_session(*permissions)
        return staff_headers(token)

    def called(self, name: str) -> bool:
        return any(called == name for called, *_ in self.calls.received)


@pytest.fixture
def doubles(tmp_path) -> Iterator[Doubles]:
    calls = Calls()
    identity = Identity(calls)
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=8), interceptors=[ServiceInterceptor("double")]
    )
    identity_pb2_grpc.add_IdentityServiceServicer_to_server(identity, server)
    enrollment_pb2_grpc.add_EnrollmentServiceServicer_to_server(Registry(calls), server)
    proxy_pb2_grpc.add_ProxyServiceServicer_to_server(Proxy(calls), server)
    address = f"127.0.0.1:{server.add_insecure_port('127.0.0.1:0')}"
    server.start()
    shared = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path,
        identity_address=address,
        enrollment_address=address,
        proxy_address=address,
        notify_address=address,
        rpc_timeout_seconds=5,
    )
    try:
        with gateway_for(shared) as app:
            yield Doubles(calls, identity, Http(app))
    finally:
        server.stop(0).wait()


# rule S2, S3
def test_search_passes_the_criteria_for_the_staff_practice_S2_S3(doubles):
    answer = doubles.http.post(
        "/v1/practice/patients/search",
        json={"name": "doe", "phone": "(312) 555-0142", "page_size": 10},
        headers=doubles.as_staff("view_patients"),
    )
    assert answer.status_code == 200, answer.text
    assert [p["mrn"] for p in answer.json()["patients"]] == ["A-100"]
    assert answer.json()["next_page_token"] == "next-page"
    request, _ = doubles.calls.last("SearchPatients")
    assert (request.practice_id, request.name, request.phone, request.page_size) == (
        "p1",
        "doe",
        "(312) 555-0142",
        10,
    )


# rule S2
def test_search_without_view_patients_is_refused_S2(doubles):
    answer = doubles.http.post(
        "/v1/practice/patients/search",
        json={"name": "doe"},
        headers=doubles.as_staff("enroll_patients"),
    )
    assert answer.status_code == 403
    assert not doubles.called("SearchPatients")


# rule S3
def test_search_naming_a_practice_is_refused_S3(doubles):
    answer = doubles.http.post(
        "/v1/practice/patients/search",
        json={"name": "doe", "practice_id": "p2"},
        headers=doubles.as_staff("view_patients"),
    )
    assert answer.status_code == 422
    assert not doubles.called("SearchPatients")


# rule S2, P6
def test_dashboard_gathers_record_invitations_proxies_and_permitted_actions_S2_P6(doubles):
    answer = doubles.http.get(
        "/v1/practice/patients/pt1/dashboard",
        headers=doubles.as_staff("view_patients", "unenroll_patients"),
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["patient"]["status"], body["patient"]["mrn"]) == ("enrolled", "A-100")
    assert [(i["invitation_id"], i["state"]) for i in body["invitations"]] == [("i1", "used")]
    assert [(p["kind"], p["rights"]) for p in body["proxies"]] == [
        ("guardian", ["health_records:view"])
    ]
    assert body["actions"] == ["unenroll"]
    assert body["username"] == "user-of-a1"
    request, _ = doubles.calls.last("LookUpUsername")
    assert (request.account_id, request.practice_id) == ("a1", "p1")


# rule S2
def test_dashboard_offers_no_action_the_staff_member_may_not_take_S2(doubles):
    answer = doubles.http.get(
        "/v1/practice/patients/pt1/dashboard",
        headers=doubles.as_staff("view_patients", "enroll_patients"),
    )
    assert answer.json()["actions"] == []


# rule S2
def test_dashboard_without_view_patients_is_refused_S2(doubles):
    answer = doubles.http.get(
        "/v1/practice/patients/pt1/dashboard", headers=doubles.as_staff("unenroll_patients")
    )
    assert answer.status_code == 403
    assert not doubles.called("GetPatient")


# rule S3
def test_dashboard_of_another_practices_patient_is_not_found_S3(doubles):
    doubles.identity.sessions["p2-staff"] = staff_session("view_patients", practice_id="p2")
    answer = doubles.http.get(
        "/v1/practice/patients/pt1/dashboard", headers=staff_headers("p2-staff")
    )
    assert answer.status_code == 404
    assert not doubles.called("ListRelationships")


# rule E13, S2
def test_unenroll_with_permission_sends_reason_note_and_key_E13_S2(doubles):
    answer = doubles.http.post(
        "/v1/practice/patients/pt1/unenroll",
        json={"reason": "inactivity", "note": "no sign-in for two years"},
        headers={**doubles.as_staff("unenroll_patients"), "Idempotency-Key": "unenroll-1"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "unenrolled"
    request, metadata = doubles.calls.last("Unenroll")
    assert (request.reason, request.note, request.idempotency_key, request.practice_id) == (
        pb.UNENROLL_REASON_INACTIVITY,
        "no sign-in for two years",
        "unenroll-1",
        "p1",
    )
    assert metadata["x-vestibule-actor"] == "staff:s1"


# rule E13, S2
def test_unenroll_without_unenroll_patients_is_refused_E13_S2(doubles):
    answer = doubles.http.post(
        "/v1/practice/patients/pt1/unenroll",
        json={"reason": "inactivity"},
        headers=doubles.as_staff("view_patients", "enroll_patients"),
    )
    assert answer.status_code == 403
    assert not doubles.called("Unenroll")


def test_unenroll_needs_a_known_reason(doubles):
    answer = doubles.http.post(
        "/v1/practice/patients/pt1/unenroll",
        json={"reason": "moved away"},
        headers=doubles.as_staff("unenroll_patients"),
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "reason"


# rule E13, S2
def test_reactivate_with_permission_E13_S2(doubles):
    answer = doubles.http.post(
        "/v1/practice/patients/pt1/reactivate", headers=doubles.as_staff("unenroll_patients")
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["account_id"]) == ("enrolled", "a1")


# rule E13, S2
def test_reactivate_without_unenroll_patients_is_refused_E13_S2(doubles):
    answer = doubles.http.post(
        "/v1/practice/patients/pt1/reactivate", headers=doubles.as_staff("view_patients")
    )
    assert answer.status_code == 403
    assert not doubles.called("Reactivate")
