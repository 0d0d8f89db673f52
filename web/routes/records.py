"""A record's page, and switching (P4, P5, P7, E13): opening a record from home acts for it;
a proxy sees whose record it is and what they may do there in words, and every page names
that person until they go back to their own. A record refused says why and what to do."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web import access_words, acting
from web.api import ApiProblem
from web.forms import posted
from web.i18n import N_
from web.pages import Pages
from web.problems import explain
from web.session import call, session_of

router = APIRouter()

REFUSED = {
    "PROXY_RIGHT_MISSING": N_(
        "Your access to this record does not include seeing health records. To see them, "
        "ask the patient or their practice to change what you may do."
    ),
    "PROXY_ACCESS_ENDED": N_(
        "Your access to this record has ended: the patient or their practice took it back, "
        "or it ended when the patient came of age. If you still need it, ask the patient or "
        "the practice to invite you again."
    ),
    "PROXY_ACCESS_SUSPENDED": N_(
        "The practice has paused portal access to this record, so no one can act for the "
        "patient here for now. Contact the practice: your access comes back, with the same "
        "rights, once they restore it."
    ),
    "NOT_A_PROXY": N_(
        "You do not act for this patient, so their record is not open to you. Choose one of "
        "the records on your home page."
    ),
    "RECORD_UNENROLLED": N_(
        "%(practice_name)s has unenrolled you from its patient portal, so this record is "
        "closed to you. To have your access restored, call %(practice_name)s at "
        "%(practice_phone)s."
    ),
    "PATIENT_ONLY": N_(
        "Only the patient can see and change who acts for them. To manage who acts for you, "
        "go back to your own account."
    ),
}
# The same refusals when the page knows the patient's name, or the practice has no phone.
NAMED = {
    "PROXY_RIGHT_MISSING": N_(
        "Your access to %(name)s's record does not include seeing their health records. To "
        "see them, ask %(name)s or their practice to change what you may do."
    ),
}
NO_PHONE = {
    "RECORD_UNENROLLED": N_(
        "%(practice_name)s has unenrolled you from its patient portal, so this record is "
        "closed to you. To have your access restored, contact %(practice_name)s."
    ),
}


def _pages(request: Request) -> Pages:
    return request.app.state.pages  # type: ignore[no-any-return]


@router.get("/records/{patient_id}")
async def record(request: Request, patient_id: str) -> Response:
    try:
        summary = (await call(request, "GET", f"/patient/records/{patient_id}")).body
    except ApiProblem as problem:
        if problem.status != 403:
            raise
        return await refused(request, patient_id, problem)
    if summary["acting_as"] == "self":
        return await _own(request, summary)
    now = acting.Acting(patient_id, summary["first_name"] or "", summary["acting_as"])
    acting.switch(request, now)
    page = _pages(request).render(
        request,
        "record.html",
        own=False,
        name=now.first_name,
        kind=now.kind,
        practice_name="",
        can=access_words.rights(request, summary["rights"] or []),
        hidden=access_words.categories(request, summary["hidden_categories"]),
        patient_id=patient_id,
    )
    acting.keep(page, session_of(request), now)
    return page


async def _own(request: Request, summary: dict[str, str]) -> Response:
    """The account's own record: no one else's name on the page any more."""
    me = (await call(request, "GET", "/patient/me")).body
    practices = {e["patient_id"]: e["practice_name"] for e in me["enrollments"]}
    acting.switch(request, None)
    page = _pages(request).render(
        request,
        "record.html",
        own=True,
        name=summary["first_name"] or "",
        kind="self",
        practice_name=practices.get(summary["patient_id"], ""),
        can=[],
        hidden=[],
        patient_id=summary["patient_id"],
    )
    acting.stop(page)
    return page


async def refused(request: Request, patient_id: str, problem: ApiProblem) -> Response:
    """Why the record is closed, in plain words, and what the person may still do there."""
    listed = (await call(request, "GET", "/patient/records")).body["records"]
    found = next((r for r in listed if r["patient_id"] == patient_id), None)
    name = (found or {}).get("first_name") or ""
    messages = dict(REFUSED)
    if name:
        messages |= NAMED
    if not problem.metadata.get("practice_phone"):
        messages |= NO_PHONE
    named = replace(problem, metadata={**problem.metadata, "name": name})
    message = explain(request, named, messages).message
    acting.switch(request, None)
    page = _pages(request).render(
        request,
        "record_refused.html",
        status=403,
        message=message,
        can=access_words.rights(request, (found or {}).get("rights") or []),
        name=name,
    )
    acting.stop(page)
    return page


@router.post("/records/switch-back")
async def switch_back(request: Request) -> Response:
    """Stops acting for someone else: to the account's own record, or home when it has none
    (or several)."""
    await posted(request)
    listed = (await call(request, "GET", "/patient/records")).body["records"]
    own = [r for r in listed if r["acting_as"] == "self"]
    target = f"/records/{own[0]['patient_id']}" if len(own) == 1 else "/home"
    response = RedirectResponse(target, status_code=303)
    acting.stop(response)
    return response
