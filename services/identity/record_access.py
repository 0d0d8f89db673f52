"""Whether an account has a patient record left it may use (E13): its own records, asked of
enrollment, and those it acts for, asked of proxy. Asked when the account signs in and when a
practice unenrolls one of its records; identity never reads the other services' tables."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from vestibule.enrollment.v1 import enrollment_pb2, enrollment_pb2_grpc
from vestibule.proxy.v1 import proxy_pb2, proxy_pb2_grpc

from services.common.clients import domain_error_from_rpc


@dataclass(frozen=True)
class PracticeContact:
    """The practice that ended the account's access, to be contacted to restore it."""

    name: str
    phone: str


class RecordAccess:
    """Asks enrollment and proxy over gRPC."""

    def __init__(self, *, enrollment: grpc.Channel, proxy: grpc.Channel) -> None:
        self._enrollment = enrollment_pb2_grpc.EnrollmentServiceStub(enrollment)
        self._proxy = proxy_pb2_grpc.ProxyServiceStub(proxy)

    def ended_by(self, account_id: str) -> PracticeContact | None:
        """The practice to contact when every record the account had is suspended because a
        practice unenrolled it (E13); None while the account may use a record, or never had
        one (a new account, or one waiting for its practice to link it), which signs in."""
        try:
            own = self._enrollment.ListAccountEnrollments(
                enrollment_pb2.ListAccountEnrollmentsRequest(account_id=account_id)
            ).enrollments
            if any(not record.access_suspended for record in own):
                return None
            shared = self._proxy.ListAccessibleRecords(
                proxy_pb2.ListAccessibleRecordsRequest(account_id=account_id)
            )
            if shared.relationships:
                return None
            if own:
                practice = own[0].practice
            elif shared.suspended:
                practice = self._enrollment.GetPractice(
                    enrollment_pb2.GetPracticeRequest(practice_id=shared.suspended[0].practice_id)
                ).practice
            else:
                return None
        except grpc.RpcError as error:
            raise domain_error_from_rpc(error) from None
        return PracticeContact(practice.name, practice.contact_phone)
