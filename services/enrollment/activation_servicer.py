"""Enrollment RPCs of activation (E9) and the patient's answer to an invitation (E11): from
the invitation's link to an active account, or a decline or deferral; mixed into the
servicer."""

from __future__ import annotations

import grpc
from vestibule.enrollment.v1 import enrollment_pb2 as pb

from services.common.db import Database
from services.enrollment import domain, messages
from services.enrollment.activation import ActivationUseCases
from services.enrollment.service import EnrollmentUseCases


class ActivationRpcs:
    """The activation steps: each that calls identity runs its own short transactions (never
    one across the call), so the steps of many patients go on at once."""

    _database: Database
    _activation: ActivationUseCases
    _use_cases: EnrollmentUseCases

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
                practice_id=opened.practice.id,
            )

    def SubmitSecurityDetails(
        self, request: pb.SubmitSecurityDetailsRequest, context: grpc.ServicerContext
    ) -> pb.SubmitSecurityDetailsResponse:
        # Each step that calls identity runs its own short transactions (never one across the
        # call), so the steps of many patients go on at once.
        registration = self._activation.submit_security_details(
            self._database,
            ticket=request.activation_ticket,
            username=request.username,
            password=request.password,
            email=request.email,
        )
        return messages.code_sent(pb.SubmitSecurityDetailsResponse, registration)

    def ResendActivationCode(
        self, request: pb.ResendActivationCodeRequest, context: grpc.ServicerContext
    ) -> pb.ResendActivationCodeResponse:
        registration = self._activation.resend_activation_code(
            self._database, ticket=request.activation_ticket
        )
        return messages.code_sent(pb.ResendActivationCodeResponse, registration)

    def CompleteActivation(
        self, request: pb.CompleteActivationRequest, context: grpc.ServicerContext
    ) -> pb.CompleteActivationResponse:
        account_id, practice = self._activation.complete_activation(
            self._database, ticket=request.activation_ticket, code=request.code
        )
        return pb.CompleteActivationResponse(account_id=account_id, practice_name=practice.name)

    def DeclineInvitation(
        self, request: pb.DeclineInvitationRequest, context: grpc.ServicerContext
    ) -> pb.DeclineInvitationResponse:
        with self._database.transaction() as session:
            patient = self._use_cases.respond(
                session, token=request.invitation_token, response=domain.Status.DECLINED
            )
            return pb.DeclineInvitationResponse(
                practice_name=patient.practice.name, practice_phone=patient.practice.contact_phone
            )

    def DeferInvitation(
        self, request: pb.DeferInvitationRequest, context: grpc.ServicerContext
    ) -> pb.DeferInvitationResponse:
        with self._database.transaction() as session:
            patient = self._use_cases.respond(
                session, token=request.invitation_token, response=domain.Status.DEFERRED
            )
            return pb.DeferInvitationResponse(
                practice_name=patient.practice.name, practice_phone=patient.practice.contact_phone
            )

    def UnlockActivation(
        self, request: pb.UnlockActivationRequest, context: grpc.ServicerContext
    ) -> pb.UnlockActivationResponse:
        with self._database.transaction() as session:
            patient = self._activation.unlock(
                session, practice_id=request.practice_id, patient_id=request.patient_id
            )
            return pb.UnlockActivationResponse(patient=messages.patient(patient))
