"""Enrollment gRPC servicer: proto to use case and back, one transaction per call; the steps
that call identity run their own short transactions around that call."""

from __future__ import annotations

import grpc
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc

from services.common.db import Database
from services.enrollment import (
    auto_invites,
    domain,
    funnel,
    linked_patients,
    messages,
    practice_settings,
)
from services.enrollment.activation import ActivationUseCases
from services.enrollment.activation_servicer import ActivationRpcs
from services.enrollment.deliveries import NotifyDeliveries
from services.enrollment.lifecycle import LifecycleUseCases
from services.enrollment.lookup import CRITERIA, LookupUseCases
from services.enrollment.registration import RegistrationUseCases
from services.enrollment.registration_servicer import RegistrationRpcs
from services.enrollment.service import EnrollmentUseCases


class EnrollmentServicer(
    ActivationRpcs, RegistrationRpcs, enrollment_pb2_grpc.EnrollmentServiceServicer
):
    """Every enrollment RPC; those of activation and of self-registration live in their own
    modules."""

    def __init__(
        self,
        database: Database,
        use_cases: EnrollmentUseCases,
        activation: ActivationUseCases,
        lookup: LookupUseCases,
        lifecycle: LifecycleUseCases,
        registration: RegistrationUseCases,
        deliveries: NotifyDeliveries,
    ) -> None:
        self._database = database
        self._use_cases = use_cases
        self._activation = activation
        self._lookup = lookup
        self._lifecycle = lifecycle
        self._registration = registration
        self._deliveries = deliveries

    def CreatePractice(
        self, request: pb.CreatePracticeRequest, context: grpc.ServicerContext
    ) -> pb.CreatePracticeResponse:
        with self._database.transaction() as session:
            practice, created = self._use_cases.create_practice(
                session,
                idempotency_key=request.idempotency_key,
                name=request.name,
                contact_phone=request.contact_phone,
                time_zone=request.time_zone,
                email_required=request.email_required
                if request.HasField("email_required")
                else True,
            )
            return pb.CreatePracticeResponse(practice=messages.practice(practice), created=created)

    def GetPractice(
        self, request: pb.GetPracticeRequest, context: grpc.ServicerContext
    ) -> pb.GetPracticeResponse:
        with self._database.transaction() as session:
            practice = self._use_cases.get_practice(session, practice_id=request.practice_id)
            return pb.GetPracticeResponse(practice=messages.practice(practice))

    def GetPracticeSettings(
        self, request: pb.GetPracticeSettingsRequest, context: grpc.ServicerContext
    ) -> pb.GetPracticeSettingsResponse:
        with self._database.transaction() as session:
            practice = self._use_cases.get_practice(session, practice_id=request.practice_id)
            settings = practice_settings.settings_of(practice)
        return pb.GetPracticeSettingsResponse(settings=messages.practice_settings(settings))

    def UpdatePracticeSettings(
        self, request: pb.UpdatePracticeSettingsRequest, context: grpc.ServicerContext
    ) -> pb.UpdatePracticeSettingsResponse:
        changes = messages.settings_changes(request)
        with self._database.transaction() as session:
            settings = practice_settings.update(
                session, practice_id=request.practice_id, changes=changes
            )
        return pb.UpdatePracticeSettingsResponse(settings=messages.practice_settings(settings))

    def RecordPatientEvent(
        self, request: pb.RecordPatientEventRequest, context: grpc.ServicerContext
    ) -> pb.RecordPatientEventResponse:
        with self._database.transaction() as session:
            row = self._use_cases.record_event(
                session,
                practice_id=request.practice_id,
                patient_id=request.patient_id,
                trigger=messages.EVENTS.get(request.event),
                idempotency_key=request.idempotency_key,
            )
            answer = pb.RecordPatientEventResponse()
            if row is not None:
                answer.auto_invitation.CopyFrom(messages.auto_invitation(row))
            return answer

    def ListAutoInvitations(
        self, request: pb.ListAutoInvitationsRequest, context: grpc.ServicerContext
    ) -> pb.ListAutoInvitationsResponse:
        limit = messages.page_size(request.page_size)
        with self._database.transaction() as session:
            self._use_cases.get_practice(session, practice_id=request.practice_id)
            rows = auto_invites.listed(
                session,
                practice_id=request.practice_id,
                state=messages.AUTO_STATE_FILTERS.get(request.state),
                limit=limit,
            )
            return pb.ListAutoInvitationsResponse(
                auto_invitations=[messages.auto_invitation(row) for row in rows]
            )

    def GetEnrollmentFunnel(
        self, request: pb.GetEnrollmentFunnelRequest, context: grpc.ServicerContext
    ) -> pb.GetEnrollmentFunnelResponse:
        first, last = funnel.period(request.start, request.end)
        with self._database.transaction() as session:
            practice = self._use_cases.get_practice(session, practice_id=request.practice_id)
            rows = funnel.funnel(session, practice=practice, first=first, last=last)
        return pb.GetEnrollmentFunnelResponse(
            stages=[
                pb.FunnelStages(channel=row.channel, throttled=row.throttled, **row.counts)
                for row in rows
            ]
        )

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
                    for k, v in messages.patient_values(
                        request.demographics, request.mrn, list(domain.PATIENT_FIELDS)
                    ).items()
                    if v
                },
            )
            return pb.AddPatientResponse(patient=messages.patient(patient))

    def UpdatePatient(
        self, request: pb.UpdatePatientRequest, context: grpc.ServicerContext
    ) -> pb.UpdatePatientResponse:
        with self._database.transaction() as session:
            patient = self._use_cases.update_patient(
                session,
                practice_id=request.practice_id,
                patient_id=request.patient_id,
                values=messages.patient_values(
                    request.demographics, request.mrn, list(request.update_mask.paths)
                ),
            )
            return pb.UpdatePatientResponse(patient=messages.patient(patient))

    def GetPatient(
        self, request: pb.GetPatientRequest, context: grpc.ServicerContext
    ) -> pb.GetPatientResponse:
        with self._database.transaction() as session:
            patient = self._use_cases.view_patient(
                session, practice_id=request.practice_id, patient_id=request.patient_id
            )
            return pb.GetPatientResponse(patient=messages.patient(patient))

    def EnrollNow(
        self, request: pb.EnrollNowRequest, context: grpc.ServicerContext
    ) -> pb.EnrollNowResponse:
        with self._database.transaction() as session:
            result = self._use_cases.enroll_now(
                session,
                practice_id=request.practice_id,
                patient_id=request.patient_id,
                idempotency_key=request.idempotency_key,
                confirm_clear_response=request.confirm_clear_response,
            )
            return pb.EnrollNowResponse(
                outcome=messages.OUTCOMES[result.outcome],
                patient=messages.patient(result.patient),
                invitation=messages.invitation(result.invitation),
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
                patient=messages.patient(patient), invitation=messages.invitation(invitation)
            )

    def ListAccountEnrollments(
        self, request: pb.ListAccountEnrollmentsRequest, context: grpc.ServicerContext
    ) -> pb.ListAccountEnrollmentsResponse:
        with self._database.transaction() as session:
            patients = self._activation.account_enrollments(session, account_id=request.account_id)
            return pb.ListAccountEnrollmentsResponse(
                enrollments=[
                    pb.AccountEnrollment(
                        practice=messages.practice(p.practice),
                        patient_id=p.id,
                        status=messages.STATUSES[domain.Status(p.status)],
                        enrolled_at=messages.timestamp(p.enrolled_at),
                        first_name=p.first_name or "",
                        access_suspended=domain.access_suspended(domain.Status(p.status)),
                    )
                    for p in patients
                ]
            )

    def MatchLinkedPatients(
        self, request: pb.MatchLinkedPatientsRequest, context: grpc.ServicerContext
    ) -> pb.MatchLinkedPatientsResponse:
        with self._database.transaction() as session:
            matched = linked_patients.match_linked_patients(
                session,
                account_ids=list(request.account_ids),
                last_name=request.last_name,
                date_of_birth=request.date_of_birth,
            )
        return pb.MatchLinkedPatientsResponse(account_ids=matched)

    def CheckAccountInformation(
        self, request: pb.CheckAccountInformationRequest, context: grpc.ServicerContext
    ) -> pb.CheckAccountInformationResponse:
        with self._database.transaction() as session:
            checked = linked_patients.check_account_information(
                session,
                account_id=request.account_id,
                first_name=request.first_name,
                last_name=request.last_name,
                date_of_birth=request.date_of_birth,
                home_phone=request.home_phone,
            )
        return pb.CheckAccountInformationResponse(
            matched=checked.matched, street_address=checked.street_address
        )

    def SearchPatients(
        self, request: pb.SearchPatientsRequest, context: grpc.ServicerContext
    ) -> pb.SearchPatientsResponse:
        with self._database.transaction() as session:
            page = self._lookup.search_patients(
                session,
                practice_id=request.practice_id,
                criteria={name: getattr(request, name) for name in CRITERIA},
                page_size=request.page_size,
                page_token=request.page_token,
            )
            return pb.SearchPatientsResponse(
                patients=[messages.patient(p) for p in page.patients],
                next_page_token=page.next_page_token,
            )

    def ListInvitations(
        self, request: pb.ListInvitationsRequest, context: grpc.ServicerContext
    ) -> pb.ListInvitationsResponse:
        with self._database.transaction() as session:
            invitations = self._lookup.list_invitations(
                session, practice_id=request.practice_id, patient_id=request.patient_id
            )
            given_up = self._deliveries.given_up(session, invitations)
        answer = pb.ListInvitationsResponse()
        for invitation in invitations:
            message = answer.invitations.add()
            message.CopyFrom(messages.invitation(invitation))
            message.deliveries.extend(self._deliveries.of(invitation, given_up))
        return answer

    def Unenroll(
        self, request: pb.UnenrollRequest, context: grpc.ServicerContext
    ) -> pb.UnenrollResponse:
        with self._database.transaction() as session:
            patient = self._lifecycle.unenroll(
                session,
                practice_id=request.practice_id,
                patient_id=request.patient_id,
                reason=messages.UNENROLL_REASONS.get(request.reason),
                note=request.note,
                idempotency_key=request.idempotency_key,
            )
            return pb.UnenrollResponse(patient=messages.patient(patient))

    def Reactivate(
        self, request: pb.ReactivateRequest, context: grpc.ServicerContext
    ) -> pb.ReactivateResponse:
        with self._database.transaction() as session:
            patient = self._lifecycle.reactivate(
                session,
                practice_id=request.practice_id,
                patient_id=request.patient_id,
                idempotency_key=request.idempotency_key,
            )
            return pb.ReactivateResponse(patient=messages.patient(patient))
