"""Who acted on the person's records (X2): the newest actions first, each actor named as the
person knows them and each action in plain words."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from web.activity_words import outcome, what, who
from web.routes.account_forms import moment, pages
from web.session import call

router = APIRouter()


@router.get("/account/activity")
async def activity_page(request: Request) -> Response:
    entries = (await call(request, "GET", "/patient/activity")).body["activity"]
    practices = {e["practice_name"] for e in entries if e.get("practice_name")}
    shown = [
        {
            "what": what(request, entry),
            "who": who(request, entry),
            "when": moment(request, entry["occurred_at"]),
            "practice": entry.get("practice_name") or "",
            "outcome": outcome(request, entry),
        }
        for entry in entries
    ]
    return pages(request).render(
        request, "account_activity.html", entries=shown, several_practices=len(practices) > 1
    )
