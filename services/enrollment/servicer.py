"""Enrollment gRPC servicer: proto to use case and back, one transaction per call."""

from __future__ import annotations

from datetime import datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc

from services.common.db import Database
from services.enrollment import domain
from services.enrollment.activation import ActivationUseCases
from services.enrollment.models import Invitation, Patient, Practice
from services.enrollment.service import EnrollmentUseCases

STATUSES = {
    status: pb.EnrollmentStatus.Value(f"ENROLLMENT_STATUS_{status.name}")
    for status in domain.Status
}
BIRTH_SEXES = {sex: pb.BirthSex.Value(f"BIRTH_SEX_{sex.name}") for sex in domain.BirthSex}
SEX_NAMES = {number: sex.value for sex, number in BIRTH_SEXES.items()}
OUTCOMES = {
    "invitation_sent": pb.ENROLL_NOW_OUTCOME_INVITATION_SENT,
    "already_pending": pb.ENROLL_NOW_OUTCOME_ALREADY_PENDING,
}


def _timestamp(moment: datetime | None) -> Timestamp | None:
    if moment is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def _practice(row: Practice) -> pb.Practice:
    return pb.Practice(
        practice_id=row.id,
        name=row.name,
        contact_phone=row.contact_phone,
        time_zone=row.time_zone,
        email_required=row.email_required,
    )


def _patient(row: Patient) -> pb.Patient:
    demographics = pb.Demographics(
        first_name=row.first_name or "",
        last_name=row.last_name or "",
        date_of_birth=row.date_of_birth.isoformat() if row.date_of_birth else "",
        birth_sex=BIRTH_SEXES[domain.BirthSex(row.birth_sex)] if row.birth_sex else 0,
        zip_code=row.zip_code or "",
        email=row.email or "",
        cell_phone=row.cell_phone or "",
    )
    return pb.Patient(
        patient_id=row.id,
        practice_id=row.practice_id,
        demographics=demographics,
        status=STATUSES[domain.Status(row.status)],
        invitation_requested_at=_timestamp(row.invitation_requested_at),
        account_id=row.account_id or "",
        history=[
            pb.StatusChange(
                from_status=STATUSES[domain.Status(change.from_status)]
                if change.from_status
                else 0,
                to_status=STATUSES[domain.Status(change.to_status)],
                changed_at=_timestamp(change.changed_at),
                actor=change.actor,
                reason=change.reason,
            )
            for change in row.history
        ],
    )


def _invitation(row: Invitation | None) -> pb.Invitation | None:
    if row is None:
        return None
    return pb.Invitation(
        invitation_id=row.id,
        sent_at=_timestamp(row.sent_at),
        expires_at=_timestamp(row.expires_at),
        channels=row.channels,
    )


def _demographic_values(demographics: pb.Demographics, names: list[str]) -> dict[str, str]:
    """The named fields as strings; an unset birth sex is an empty string (cleared)."""
    values = {}
    for name in names:
        if name == "birth_sex":
            values[name] = SEX_NAMES.get(demographics.birth_sex, "")
        elif name in domain.FIELD_NAMES:
            values[name] = getattr(demographics, name)
        else:
            values[name] = ""  # unknown names are refused by the use case
    return values


class EnrollmentServicer(enrollment_pb2_grpc.EnrollmentServiceServicer):
    def __init__(
        self, database: Database, use_cases: EnrollmentUseCases, activation: ActivationUseCases
    ) -> None:
        self._database = database
        self._use_cases = use_cases
        self._activation = activation

    def CreatePractice(
        self, request: pb.CreatePracticeRequest, context: grpc.ServicerContext
    ) -> pb.CreatePracticeResponse:
        with self._database.transaction() as session:
            practice = self._use_cases.create_practice(
                session,
                idempotency_key=request.idempotency_key,
                name=request.name,
                contact_phone=request.contact_phone,
                time_zone=request.time_zone,
                email_required=request.email_required
                if request.HasField("email_required")
                else True,
            )
            return pb.CreatePracticeResponse(practice=_practice(practice))

    def GetPractice(
        self, request: pb.GetPracticeRequest, context: grpc.ServicerContext
    ) -> pb.GetPracticeResponse:
        with self._database.transaction() as session:
            practice = self._use_cases.get_practice(session, practice_id=request.practice_id)
            return pb.GetPracticeResponse(practice=_practice(practice))

    def AddPatient(
        self, request: pb.AddPatientRequest, context: grpc.ServicerContext
    ) -> pb.AddPatientResponse:
        with self._database.transaction() as session:
            patient = self._use_cases.add_patient(
                session,
                practice_id=request.practice_id,
                idempotency_key=request.idempotency_key,
                values={
                    k: v
                    for k, v in _demographic_values(
                        request.demographics, list(domain.FIELD_NAMES)
                    ).items()
                    if v
                },
            )
            return pb.AddPatientResponse(patient=_patient(patient))

    def UpdatePatient(
        self, request: pb.UpdatePatientRequest, context: grpc.ServicerContext
    ) -> pb.UpdatePatientResponse:
        with self._database.transaction() as session:
            patient = self._use_cases.update_patient(
                session,
                practice_id=request.practice_id,
                patient_id=request.patient_id,
                values=_demographic_values(request.demographics, list(request.update_mask.paths)),
            )
            return pb.UpdatePatientResponse(patient=_patient(patient))

    def GetPatient(
        self, request: pb.GetPatientRequest, context: grpc.ServicerContext
    ) -> pb.GetPatientResponse:
        with self._database.transaction() as session:
            patient = self._use_cases.get_patient(
                session, practice_id=request.practice_id, patient_id=request.patient_id
            )
            return pb.GetPatientResponse(patient=_patient(patient))

    def EnrollNow(
        self, request: pb.EnrollNowRequest, context: grpc.ServicerContext
    ) -> pb.EnrollNowResponse:
        with self._database.transaction() as session:
            result = self._use_cases.enroll_now(
                session,
                practice_id=request.practice_id,
                patient_id=request.patient_id,
                idempotency_key=request.idempotency_key,
            )
            return pb.EnrollNowResponse(
                outcome=OUTCOMES[result.outcome],
                patient=_patient(result.patient),
                invitation=_invitation(result.invitation),
            )

    def ResendInvitation(
        self, request: pb.ResendInvitationRequest, context: grpc.ServicerContext
    ) -> pb.ResendInvitationResponse:
        with self._database.transaction() as session:
            patient, invitation = self._use_cases.resend_invitation(
                session,
                practice_id=request.practice_id,
                patient_id=request.patient_id,
                idempotency_key=request.idempotency_key,
            )
            return pb.ResendInvitationResponse(
                patient=_patient(patient), invitation=_invitation(invitation)
            )

    def VerifyInvitation(
        self, request: pb.VerifyInvitationRequest, context: grpc.ServicerContext
    ) -> pb.VerifyInvitationResponse:
        with self._database.transaction() as session:
            opened = self._activation.verify_invitation(
                session,
                token=request.invitation_token,
                zip_code=request.zip_code,
                date_of_birth=request.date_of_birth,
            )
            return pb.VerifyInvitationResponse(
                activation_ticket=opened.ticket,
                practice_name=opened.practice.name,
                email_on_file=opened.email_on_file,
            )

    def SubmitSecurityDetails(
        self, request: pb.SubmitSecurityDetailsRequest, context: grpc.ServicerContext
    ) -> pb.SubmitSecurityDetailsResponse:
        with self._database.transaction() as session:
            registration = self._activation.submit_security_details(
                session,
                ticket=request.activation_ticket,
                username=request.username,
                password=request.password,
                email=request.email,
            )
            return pb.SubmitSecurityDetailsResponse(
                code_channel=registration.code_channel,
                code_destination_hint=registration.code_destination_hint,
            )

    def ResendActivationCode(
        self, request: pb.ResendActivationCodeRequest, context: grpc.ServicerContext
    ) -> pb.ResendActivationCodeResponse:
        with self._database.transaction() as session:
            registration = self._activation.resend_activation_code(
                session, ticket=request.activation_ticket
            )
            return pb.ResendActivationCodeResponse(
                code_channel=registration.code_channel,
                code_destination_hint=registration.code_destination_hint,
            )

    def CompleteActivation(
        self, request: pb.CompleteActivationRequest, context: grpc.ServicerContext
    ) -> pb.CompleteActivationResponse:
        with self._database.transaction() as session:
            account_id, practice = self._activation.complete_activation(
                session, ticket=request.activation_ticket, code=request.code
            )
            return pb.CompleteActivationResponse(account_id=account_id, practice_name=practice.name)

    def ListAccountEnrollments(
        self, request: pb.ListAccountEnrollmentsRequest, context: grpc.ServicerContext
    ) -> pb.ListAccountEnrollmentsResponse:
        with self._database.transaction() as session:
            patients = self._activation.account_enrollments(session, account_id=request.account_id)
            return pb.ListAccountEnrollmentsResponse(
                enrollments=[
                    pb.AccountEnrollment(
                        practice=_practice(p.practice),
                        patient_id=p.id,
                        status=STATUSES[domain.Status(p.status)],
                        enrolled_at=_timestamp(p.enrolled_at),
                        first_name=p.first_name or "",
                    )
                    for p in patients
                ]
            )
