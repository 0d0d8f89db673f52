"""Home (P5): the signed-in account, its practices, and the records it may act for: its own,
then those shared with it, with the rights it has there today."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from web import access_words
from web.pages import Pages
from web.session import call

router = APIRouter()


@router.get("/home")
async def home(request: Request) -> Response:
    me = (await call(request, "GET", "/patient/me")).body
    records = (await call(request, "GET", "/patient/records")).body["records"]
    practices = {e["practice_id"]: e["practice_name"] for e in me["enrollments"]}
    pages: Pages = request.app.state.pages
    return pages.render(
        request,
        "home.html",
        username=me["account"]["username"],
        practices=practices,
        own=[r for r in records if r["acting_as"] == "self"],
        shared=[
            {**r, "can": access_words.rights(request, r["rights"] or [])}
            for r in records
            if r["acting_as"] != "self"
        ],
    )
