"""Who acts for me (P3, P4, P6, E10): the patient sees each guardian and representative of
their own record, where each stands and what each may do, sends an invitation not yet
accepted again, and ends someone's access. Inviting and changing rights are in
`proxy_rights`. Only the patient manages this: a proxy is told so."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web import access_words, acting
from web.api import ApiProblem
from web.forms import posted
from web.i18n import N_
from web.pages import FormErrors, Pages, gettext
from web.problems import explain
from web.routes.records import refused
from web.session import call

router = APIRouter()

# What the list says after each action (by `?done=`).
DONE = {
    "invited": N_("We emailed the invitation. Once they accept it, they can act for you."),
    "changed": N_("What they can do has changed."),
    "resent": N_("We sent the invitation again. The link in the earlier one no longer works."),
    "revoked": N_("Their access has ended. They can no longer act for you."),
}
MESSAGES = {
    "RELATIONSHIP_NOT_FOUND": N_(
        "We could not find this person among those who act for you. Check the list again."
    ),
    "RELATIONSHIP_ENDED": N_(
        "This person's access has already ended. To give them access again, invite them again."
    ),
    "PROXY_NOT_INVITED": N_(
        "This invitation was already accepted or has ended, so it cannot be sent again."
    ),
}
OPEN = ("invited", "active")


def _pages(request: Request) -> Pages:
    return request.app.state.pages  # type: ignore[no-any-return]


def base(patient_id: str) -> str:
    return f"/records/{patient_id}/proxies"


async def relationships(request: Request, patient_id: str) -> list[dict[str, Any]]:
    """Who acts for the record, each with its name, status and rights in words."""
    answer = await call(request, "GET", f"/patient/records/{patient_id}/proxies")
    return [_shown(request, r) for r in answer.body["relationships"]]


def _shown(request: Request, relationship: dict[str, Any]) -> dict[str, Any]:
    rights = relationship["effective_rights"] or relationship["rights"]
    if relationship["status"] not in OPEN:
        rights = []
    return {
        **relationship,
        "name": relationship["proxy_first_name"],
        "status_text": access_words.status(request, relationship["status"]),
        "open": relationship["status"] in OPEN,
        "can": access_words.rights(request, rights),
    }


async def practice_of(request: Request, patient_id: str) -> str:
    """The name of the practice of the account's own record, or empty."""
    me = (await call(request, "GET", "/patient/me")).body
    return next(
        (e["practice_name"] for e in me["enrollments"] if e["patient_id"] == patient_id), ""
    )


async def one(request: Request, patient_id: str, relationship_id: str) -> dict[str, Any] | None:
    found = await relationships(request, patient_id)
    return next((r for r in found if r["relationship_id"] == relationship_id), None)


@router.get("/records/{patient_id}/proxies")
async def proxies(request: Request, patient_id: str) -> Response:
    done = request.query_params.get("done", "")
    notice = gettext(request, DONE[done]) if done in DONE else ""
    return await _list(request, patient_id, notice=notice)


async def _list(
    request: Request,
    patient_id: str,
    *,
    notice: str = "",
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    try:
        found = await relationships(request, patient_id)
    except ApiProblem as problem:
        if problem.status != 403:
            raise
        return await refused(request, patient_id, problem)
    # Only the patient sees this: they are in their own record now.
    acting.switch(request, None)
    page = _pages(request).render(
        request,
        "proxies.html",
        status=status,
        errors=errors,
        notice=notice,
        patient_id=patient_id,
        practice_name=await practice_of(request, patient_id),
        relationships=found,
    )
    acting.stop(page)
    return page


@router.post("/records/{patient_id}/proxies/{relationship_id}/resend")
async def resend(request: Request, patient_id: str, relationship_id: str) -> Response:
    await posted(request)
    try:
        await call(
            request, "POST", f"/patient/records/{patient_id}/proxies/{relationship_id}/resend"
        )
    except ApiProblem as problem:
        if problem.status == 403:
            return await refused(request, patient_id, problem)
        errors = explain(request, problem, MESSAGES)
        return await _list(
            request, patient_id, errors=FormErrors(errors.message), status=problem.status
        )
    return RedirectResponse(f"{base(patient_id)}?done=resent", status_code=303)


@router.get("/records/{patient_id}/proxies/{relationship_id}/revoke")
async def revoke_page(request: Request, patient_id: str, relationship_id: str) -> Response:
    try:
        found = await one(request, patient_id, relationship_id)
    except ApiProblem as problem:
        if problem.status != 403:
            raise
        return await refused(request, patient_id, problem)
    if found is None or not found["open"]:
        return RedirectResponse(base(patient_id), status_code=303)
    return _pages(request).render(
        request, "proxy_revoke.html", patient_id=patient_id, relationship=found
    )


@router.post("/records/{patient_id}/proxies/{relationship_id}/revoke")
async def revoke(request: Request, patient_id: str, relationship_id: str) -> Response:
    await posted(request)
    try:
        await call(request, "DELETE", f"/patient/records/{patient_id}/proxies/{relationship_id}")
    except ApiProblem as problem:
        if problem.status == 403:
            return await refused(request, patient_id, problem)
        errors = explain(request, problem, MESSAGES)
        return await _list(
            request, patient_id, errors=FormErrors(errors.message), status=problem.status
        )
    return RedirectResponse(f"{base(patient_id)}?done=revoked", status_code=303)
