"""The age rules' RPCs (P7), mixed into ProxyServicer: the practice's age policy and the
age-out report. Proto to use case and back; one transaction per call."""

from __future__ import annotations

import grpc
from vestibule.proxy.v1 import proxy_pb2

from services.common.db import Database
from services.common.errors import FieldViolation
from services.proxy import age_outs, age_policies
from services.proxy.domain import Access, AgeBand, AgePolicy
from services.proxy.errors import InvalidRequest
from services.proxy.messages import timestamp
from services.proxy.models import AgePolicyVersion
from services.proxy.patients import Patients


def _bands(bands: list[proxy_pb2.AgeBand]) -> list[AgeBand]:
    accesses = {access.value for access in Access}
    wrong = [
        FieldViolation(f"bands[{index}].access", 'One of "full", "limited" or "none".')
        for index, band in enumerate(bands)
        if band.access not in accesses
    ]
    if wrong:
        raise InvalidRequest("Fix the age bands and send them again.", violations=wrong)
    return [
        AgeBand(
            band.from_age,
            Access(band.access),
            frozenset(band.rights),
            tuple(band.hidden_categories),
        )
        for band in bands
    ]


def _policy(
    practice_id: str, policy: AgePolicy, row: AgePolicyVersion | None
) -> proxy_pb2.AgePolicy:
    message = proxy_pb2.AgePolicy(
        practice_id=practice_id,
        version=policy.version,
        time_zone=policy.time_zone,
        bands=[
            proxy_pb2.AgeBand(
                from_age=band.from_age,
                access=band.access.value,
                rights=sorted(band.rights),
                hidden_categories=list(band.hidden_categories),
            )
            for band in policy.bands
        ],
    )
    if row is not None:
        message.updated_at.CopyFrom(timestamp(row.created_at))
        message.updated_by = row.created_by
    return message


def _practice(practice_id: str) -> str:
    if not practice_id:
        raise InvalidRequest(
            "Name the practice.", violations=[FieldViolation("practice_id", "Required.")]
        )
    return practice_id


class AgeRpcs:
    """GetAgePolicy, SetAgePolicy and ListAgeOuts, on the servicer's database and enrollment."""

    _database: Database
    _patients: Patients

    def GetAgePolicy(
        self, request: proxy_pb2.GetAgePolicyRequest, context: grpc.ServicerContext
    ) -> proxy_pb2.GetAgePolicyResponse:
        practice_id = _practice(request.practice_id)
        zone = self._patients.time_zone(practice_id)
        with self._database.transaction() as session:
            policy = age_policies.policy_of(session, practice_id, zone)
            row = age_policies.newest(session, practice_id)
            return proxy_pb2.GetAgePolicyResponse(policy=_policy(practice_id, policy, row))

    def SetAgePolicy(
        self, request: proxy_pb2.SetAgePolicyRequest, context: grpc.ServicerContext
    ) -> proxy_pb2.SetAgePolicyResponse:
        practice_id = _practice(request.practice_id)
        bands = _bands(list(request.bands))
        zone = self._patients.time_zone(practice_id)
        with self._database.transaction() as session:
            if request.age_of_majority and not request.bands:
                if not 14 <= request.age_of_majority <= 21:
                    raise InvalidRequest(
                        "Choose an age of majority from 14 to 21.",
                        violations=[FieldViolation("age_of_majority", "From 14 to 21.")],
                    )
                current = age_policies.policy_of(session, practice_id, zone)
                bands = list(age_policies.with_majority(current, request.age_of_majority))
            policy, row = age_policies.set_policy(
                session, practice_id=practice_id, bands=bands, time_zone=zone
            )
            return proxy_pb2.SetAgePolicyResponse(policy=_policy(practice_id, policy, row))

    def ListAgeOuts(
        self, request: proxy_pb2.ListAgeOutsRequest, context: grpc.ServicerContext
    ) -> proxy_pb2.ListAgeOutsResponse:
        practice_id = _practice(request.practice_id)
        zone = self._patients.time_zone(practice_id)
        with self._database.transaction() as session:
            found = age_outs.list_age_outs(
                session,
                practice_id=practice_id,
                within_days=request.within_days,
                policy=age_policies.policy_of(session, practice_id, zone),
            )
            return proxy_pb2.ListAgeOutsResponse(
                age_outs=[
                    proxy_pb2.AgeOut(
                        relationship_id=item.relationship.id,
                        patient_id=item.relationship.patient_id,
                        proxy_account_id=item.relationship.proxy_account_id or "",
                        ends_on=item.ends_on.isoformat(),
                        aged_out=item.aged_out,
                        guardian_first_name=item.relationship.proxy_first_name,
                        guardian_last_name=item.relationship.proxy_last_name,
                    )
                    for item in found
                ]
            )
