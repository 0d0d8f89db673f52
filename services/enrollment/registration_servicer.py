"""Enrollment RPCs of self-registration (E12): the three steps from the logon page, and the
practice's match requests for accounts no record matched; mixed into the servicer."""

from __future__ import annotations

import grpc
from vestibule.enrollment.v1 import enrollment_pb2 as pb

from services.common.db import Database
from services.enrollment import messages
from services.enrollment.registration import PATIENT_INFORMATION, RegistrationUseCases


class RegistrationRpcs:
    """The self-registration steps; those that call identity run their own short
    transactions around that call."""

    _database: Database
    _registration: RegistrationUseCases

    def StartRegistration(
        self, request: pb.StartRegistrationRequest, context: grpc.ServicerContext
    ) -> pb.StartRegistrationResponse:
        with self._database.transaction() as session:
            ticket, practice = self._registration.start(
                session,
                practice_id=request.practice_id,
                information={name: getattr(request, name) for name in PATIENT_INFORMATION},
            )
            return pb.StartRegistrationResponse(
                registration_ticket=ticket, practice_name=practice.name, practice_id=practice.id
            )

    def SubmitRegistrationDetails(
        self, request: pb.SubmitRegistrationDetailsRequest, context: grpc.ServicerContext
    ) -> pb.SubmitRegistrationDetailsResponse:
        registration = self._registration.submit_security_details(
            self._database,
            ticket=request.registration_ticket,
            username=request.username,
            password=request.password,
            email=request.email,
            cell_phone=request.cell_phone,
        )
        return messages.code_sent(pb.SubmitRegistrationDetailsResponse, registration)

    def ResendRegistrationCode(
        self, request: pb.ResendRegistrationCodeRequest, context: grpc.ServicerContext
    ) -> pb.ResendRegistrationCodeResponse:
        registration = self._registration.resend_code(
            self._database, ticket=request.registration_ticket
        )
        return messages.code_sent(pb.ResendRegistrationCodeResponse, registration)

    def CompleteRegistration(
        self, request: pb.CompleteRegistrationRequest, context: grpc.ServicerContext
    ) -> pb.CompleteRegistrationResponse:
        account_id, practice = self._registration.complete(
            self._database, ticket=request.registration_ticket, code=request.code
        )
        return pb.CompleteRegistrationResponse(account_id=account_id, practice_name=practice.name)

    def ListMatchRequests(
        self, request: pb.ListMatchRequestsRequest, context: grpc.ServicerContext
    ) -> pb.ListMatchRequestsResponse:
        limit = messages.page_size(request.page_size)
        with self._database.transaction() as session:
            rows = self._registration.match_requests(
                session, practice_id=request.practice_id, limit=limit
            )
            return pb.ListMatchRequestsResponse(
                match_requests=[messages.match_request(row) for row in rows]
            )

    def LinkMatchRequest(
        self, request: pb.LinkMatchRequestRequest, context: grpc.ServicerContext
    ) -> pb.LinkMatchRequestResponse:
        with self._database.transaction() as session:
            patient = self._registration.link_match_request(
                session,
                practice_id=request.practice_id,
                match_request_id=request.match_request_id,
                patient_id=request.patient_id,
            )
            return pb.LinkMatchRequestResponse(patient=messages.patient(patient))
