"""The enrollment service as identity sees it: does an account's linked record match (I7,
I8 d)?"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import grpc
from vestibule.enrollment.v1 import enrollment_pb2, enrollment_pb2_grpc

from services.common.clients import domain_error_from_rpc


class LinkedPatients:
    """Asks enrollment over gRPC; identity never reads enrollment's tables."""

    def __init__(self, channel: grpc.Channel) -> None:
        self._stub = enrollment_pb2_grpc.EnrollmentServiceStub(channel)

    def matching(
        self, *, account_ids: Sequence[str], last_name: str, date_of_birth: date
    ) -> list[str]:
        """The accounts, of `account_ids` (may be empty), linked to a patient record with this
        last name and date of birth. Enrollment answers yes or no per account, never the
        record's values."""
        try:
            answer = self._stub.MatchLinkedPatients(
                enrollment_pb2.MatchLinkedPatientsRequest(
                    account_ids=list(account_ids),
                    last_name=last_name,
                    date_of_birth=date_of_birth.isoformat(),
                )
            )
        except grpc.RpcError as error:
            raise domain_error_from_rpc(error) from None
        return list(answer.account_ids)

    def street_address(
        self,
        *,
        account_id: str,
        first_name: str,
        last_name: str,
        date_of_birth: str,
        home_phone: str,
    ) -> str:
        """The street address of the record linked to `account_id` (may be empty) when it has
        all four values given; "" otherwise (I8 d)."""
        try:
            answer = self._stub.CheckAccountInformation(
                enrollment_pb2.CheckAccountInformationRequest(
                    account_id=account_id,
                    first_name=first_name,
                    last_name=last_name,
                    date_of_birth=date_of_birth,
                    home_phone=home_phone,
                )
            )
        except grpc.RpcError as error:
            raise domain_error_from_rpc(error) from None
        return answer.street_address if answer.matched else ""
