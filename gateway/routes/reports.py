"""Practice reports: the enrollment funnel, as JSON or CSV, and the CSV download every report
shares."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from vestibule.enrollment.v1 import enrollment_pb2

from gateway import schemas
from gateway.auth import STAFF_PATH, Principal, signed_in_staff
from gateway.clients import Clients, clients
from gateway.routes.common import problem_responses

router = APIRouter(prefix=STAFF_PATH, tags=["reports"])

Services = Annotated[Clients, Depends(clients)]
Staff = Annotated[Principal, Depends(signed_in_staff)]
STAGES = ("opened", "verified", "activated", "declined", "deferred")
CSV_COLUMNS = ("channel", "invited", *STAGES, "throttled", *(f"{s}_rate" for s in STAGES))


def csv_file(columns: Sequence[str], rows: Iterable[Sequence[object]], filename: str) -> Response:
    """A report as a CSV download: a header row of `columns`, then `rows` (None as empty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


def _funnel_rows(funnel: schemas.EnrollmentFunnel) -> Iterable[list[object]]:
    for row in funnel.channels:
        values = row.model_dump()
        yield [
            *(values[name] for name in CSV_COLUMNS[:8]),
            *(row.rates[stage] for stage in STAGES),
        ]


@router.get(
    "/reports/enrollment-funnel",
    responses={
        **problem_responses(401, 403),
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
    },
)
def enrollment_funnel(
    staff: Staff,
    services: Services,
    start: Annotated[date, Query(description="First day, in the practice's time zone.")],
    end: Annotated[date, Query(description="Last day, included (at most 366 days).")],
    format: Literal["json", "csv"] = "json",
) -> schemas.EnrollmentFunnel:
    """How the patients first invited in the period moved on, per channel: invited, opened,
    verified, activated, declined, deferred, with each stage's share of the invited, and the
    automatic invitations the throttle held back. `format=csv` answers a CSV file."""
    answer = services.enrollment.GetEnrollmentFunnel(
        enrollment_pb2.GetEnrollmentFunnelRequest(
            practice_id=staff.practice_id, start=start.isoformat(), end=end.isoformat()
        )
    )
    funnel = schemas.EnrollmentFunnel(
        start=start,
        end=end,
        channels=[
            schemas.FunnelStages(
                channel=row.channel,
                invited=row.invited,
                opened=row.opened,
                verified=row.verified,
                activated=row.activated,
                declined=row.declined,
                deferred=row.deferred,
                throttled=row.throttled if row.HasField("throttled") else None,
                rates={
                    stage: round(getattr(row, stage) / row.invited, 4) if row.invited else 0.0
                    for stage in STAGES
                },
            )
            for row in answer.stages
        ],
    )
    if format == "csv":
        return csv_file(  # type: ignore[return-value]
            CSV_COLUMNS, _funnel_rows(funnel), f"enrollment-funnel-{start}-{end}.csv"
        )
    return funnel
