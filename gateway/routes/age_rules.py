"""The practice's age rules (P7): its age policy, read and replaced as a new version, and the
age-out report as JSON or CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import grpc
from fastapi import APIRouter, Depends, Query
from vestibule.enrollment.v1 import enrollment_pb2
from vestibule.proxy.v1 import proxy_pb2

from gateway import convert, schemas
from gateway.auth import STAFF_PATH, Principal, signed_in_staff
from gateway.clients import Clients, clients
from gateway.routes.common import problem_responses
from gateway.routes.reports import csv_file

router = APIRouter(prefix=STAFF_PATH, tags=["age rules"])

Services = Annotated[Clients, Depends(clients)]
Staff = Annotated[Principal, Depends(signed_in_staff)]
_SIGNED_IN = problem_responses(401, 403)
AGE_OUT_COLUMNS = (
    "relationship_id",
    "patient_id",
    "patient_first_name",
    "patient_last_name",
    "proxy_account_id",
    "guardian_first_name",
    "guardian_last_name",
    "ends_on",
    "aged_out",
)


def _patient_name(services: Clients, practice_id: str, patient_id: str) -> tuple[str | None, ...]:
    """The dependent's first and last name; (None, None) when enrollment no longer has it."""
    try:
        patient = services.enrollment.GetPatient(
            enrollment_pb2.GetPatientRequest(practice_id=practice_id, patient_id=patient_id)
        ).patient
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.NOT_FOUND:  # type: ignore[attr-defined]
            raise
        return (None, None)
    facts = patient.demographics
    return (facts.first_name or None, facts.last_name or None)


def _policy(policy: proxy_pb2.AgePolicy) -> schemas.AgePolicy:
    return schemas.AgePolicy(
        version=policy.version,
        time_zone=policy.time_zone,
        bands=[
            schemas.AgeBand(
                from_age=band.from_age,
                access=band.access,  # type: ignore[arg-type]
                rights=list(band.rights),
                hidden_categories=list(band.hidden_categories),
            )
            for band in policy.bands
        ],
        updated_at=convert.when(policy, "updated_at"),
        updated_by=policy.updated_by or None,
    )


@router.get("/age-policy", responses=_SIGNED_IN)
def get_age_policy(staff: Staff, services: Services) -> schemas.AgePolicy:
    """The age bands that narrow and then end a guardian's access as the dependent grows up."""
    answer = services.proxy.GetAgePolicy(
        proxy_pb2.GetAgePolicyRequest(practice_id=staff.practice_id)
    )
    return _policy(answer.policy)


@router.put("/age-policy", responses=_SIGNED_IN)
def set_age_policy(
    body: schemas.AgePolicyUpdate, staff: Staff, services: Services
) -> schemas.AgePolicy:
    """Sets the bands as the practice's next version: they start at 0, rise, and only the last
    (the age of majority, 14 to 21) gives no access; a problem names what is wrong. Audited."""
    answer = services.proxy.SetAgePolicy(
        proxy_pb2.SetAgePolicyRequest(
            practice_id=staff.practice_id,
            bands=[proxy_pb2.AgeBand(**band.model_dump()) for band in body.bands],
        )
    )
    return _policy(answer.policy)


@router.get(
    "/reports/age-out",
    responses={**_SIGNED_IN, 200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def age_out_report(
    staff: Staff,
    services: Services,
    within_days: Annotated[
        int, Query(ge=0, le=366, description="Also list those ending within this many days.")
    ] = 30,
    format: Literal["json", "csv"] = "json",
) -> schemas.AgeOutReport:
    """Guardian relationships whose dependent has reached the age of majority, or will within
    `within_days` of today in the practice's time zone, soonest first. `format=csv` answers a
    CSV file."""
    answer = services.proxy.ListAgeOuts(
        proxy_pb2.ListAgeOutsRequest(practice_id=staff.practice_id, within_days=within_days)
    )
    names = {
        patient_id: _patient_name(services, staff.practice_id, patient_id)
        for patient_id in {row.patient_id for row in answer.age_outs}
    }
    report = schemas.AgeOutReport(
        within_days=within_days,
        age_outs=[
            schemas.AgeOut(
                relationship_id=row.relationship_id,
                patient_id=row.patient_id,
                patient_first_name=names[row.patient_id][0],
                patient_last_name=names[row.patient_id][1],
                proxy_account_id=row.proxy_account_id,
                guardian_first_name=row.guardian_first_name,
                guardian_last_name=row.guardian_last_name,
                ends_on=date.fromisoformat(row.ends_on),
                aged_out=row.aged_out,
            )
            for row in answer.age_outs
        ],
    )
    if format == "csv":
        rows = (
            [getattr(row, name) or "" for name in AGE_OUT_COLUMNS[:-1]]
            + ["yes" if row.aged_out else "no"]
            for row in report.age_outs
        )
        return csv_file(  # type: ignore[return-value]
            AGE_OUT_COLUMNS, rows, f"age-out-within-{within_days}-days.csv"
        )
    return report
