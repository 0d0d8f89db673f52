"""Every enrollment action leaves an audit record in its own transaction (X2), with IDs and
counts only, never PHI (X1); the chain verifies."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from sqlalchemy import select
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc
from vestibule.identity.v1 import identity_pb2_grpc

from services.enrollment.audit import trail
from services.enrollment.models import AuditRecord
from services.enrollment.server import create_server
from tests.service.enrollment_helpers import (
    add_patient,
    create_practice,
    invitation_token,
    key,
    sent_notifications,
)
from tests.service.test_enrollment_unenroll import Identity, activated_patient


@pytest.fixture
def enrollment(start_service, shared_settings) -> Iterator:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    identity_pb2_grpc.add_IdentityServiceServicer_to_server(Identity(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    shared = shared_settings.model_copy(update={"identity_address": f"127.0.0.1:{port}"})
    yield start_service("enrollment", create_server, shared), shared
    server.stop(0).wait()


@pytest.fixture
def stub(enrollment):
    with grpc.insecure_channel(enrollment[0].address) as channel:
        yield enrollment_pb2_grpc.EnrollmentServiceStub(channel)


def records(host) -> list[AuditRecord]:
    with host.database.transaction() as session:
        return list(session.scalars(select(AuditRecord).order_by(AuditRecord.sequence)))


def verify_wrongly(stub, host, shared) -> None:
    """Opens the newest invitation with a wrong ZIP code once."""
    token = invitation_token(sent_notifications(host, shared)[-1])
    with pytest.raises(grpc.RpcError):
        stub.VerifyInvitation(
            pb.VerifyInvitationRequest(
                invitation_token=token, zip_code="99999", date_of_birth="1984-03-07"
            ),
            timeout=5,
        )


def as_staff(stub_call, request):
    return stub_call(request, timeout=5, metadata=[("x-vestibule-actor", "staff:s1")])


# rule X2, E13
def test_each_enrollment_action_is_audited_on_its_patient_X2_E13(stub, enrollment):
    host, shared = enrollment
    practice = create_practice(stub)
    patient = activated_patient(stub, practice.practice_id, host, shared)
    where = {"practice_id": practice.practice_id, "patient_id": patient.patient_id}
    as_staff(
        stub.UpdatePatient,
        pb.UpdatePatientRequest(**where, mrn="A-1", update_mask=FieldMask(paths=["mrn"])),
    )
    as_staff(
        stub.Unenroll,
        pb.UnenrollRequest(**where, idempotency_key=key(), reason=pb.UNENROLL_REASON_INACTIVITY),
    )
    as_staff(stub.Reactivate, pb.ReactivateRequest(**where, idempotency_key=key()))
    trail_of_patient = [
        (r.action, r.outcome) for r in records(host) if r.patient_id == patient.patient_id
    ]
    assert trail_of_patient == [
        ("patient.add", "success"),
        ("enrollment.enroll_now", "success"),
        ("activation.verify", "success"),
        ("activation.complete", "success"),
        ("patient.view", "success"),
        ("patient.update", "success"),
        ("enrollment.unenroll", "success"),
        ("enrollment.reactivate", "success"),
    ]
    staff_records = [r for r in records(host) if r.actor == "staff:s1"]
    assert {r.target for r in staff_records} == {f"patient:{patient.patient_id}"}
    assert {r.practice_id for r in staff_records} == {practice.practice_id}


# rule X2, E9
def test_a_wrong_activation_answer_is_audited_as_failed_X2_E9(stub, enrollment):
    host, shared = enrollment
    practice = create_practice(stub)
    patient = add_patient(stub, practice.practice_id)
    stub.EnrollNow(
        pb.EnrollNowRequest(
            idempotency_key=key(), practice_id=practice.practice_id, patient_id=patient.patient_id
        ),
        timeout=5,
    )
    verify_wrongly(stub, host, shared)
    [failed] = [r for r in records(host) if r.action == "activation.verify.failed"]
    assert (failed.outcome, failed.patient_id) == ("failed", patient.patient_id)


# rule X2, X1
def test_a_search_is_audited_with_the_count_never_the_criteria_X2_X1(stub, enrollment):
    host, _ = enrollment
    practice = create_practice(stub)
    add_patient(stub, practice.practice_id)
    as_staff(
        stub.SearchPatients,
        pb.SearchPatientsRequest(
            practice_id=practice.practice_id, name="Doe", date_of_birth="1984-03-07"
        ),
    )
    [search] = [r for r in records(host) if r.action == "patient.search"]
    assert (search.actor, search.details["results"]) == ("staff:s1", "1")
    assert "Doe" not in str(search.details) and "1984" not in str(search.details)


# rule X2
def test_the_enrollment_chain_verifies_X2(stub, enrollment):
    host, shared = enrollment
    practice = create_practice(stub)
    activated_patient(stub, practice.practice_id, host, shared)
    with host.database.transaction() as session:
        verdict = trail.verify(session)
    assert verdict.intact and verdict.records >= 5
