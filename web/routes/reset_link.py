"""Reset by email link (I8 a, X1): the link in the email opens `/reset-password#token=…`; the
token after `#` never reaches a server. With JavaScript, `token-from-fragment.js` puts it in
the form; without, the page asks the person to paste the whole link. The API checks the link
(in a POST body), then the new password follows, with the authenticator's code or a recovery
code when the check says the account needs one."""

from __future__ import annotations

import re

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web import cookies, resets
from web.api import Api, ApiProblem
from web.forms import posted
from web.i18n import N_
from web.pages import FormErrors
from web.problems import explain

router = APIRouter()

WAY = "link"
LAST_STEP = "/reset-password/new-password"
TOKEN_IN_LINK = re.compile(r"token=([A-Za-z0-9_-]+)")
MESSAGES = {
    "RESET_LINK_NOT_VALID": N_(
        "This reset link does not work any more: a link works once, for a short time, and a "
        "newer link replaces older ones. Ask for a new link, or choose another way to reset "
        "your password."
    ),
}
FIELDS = {"token": N_("Paste the whole link from the email we sent you.")}


def _token(link: str) -> str:
    """The token of a pasted link, or what the script put in the box (the token itself)."""
    found = TOKEN_IN_LINK.search(link)
    return found.group(1) if found else link.strip()


def _link_page(request: Request, problem: ApiProblem | None = None) -> Response:
    errors = explain(request, problem, MESSAGES, FIELDS) if problem else None
    if errors and "token" in errors.fields:
        errors = FormErrors(errors.message, {"link": errors.fields["token"]})
    response = resets.pages(request).render(
        request, "reset_link.html", status=problem.status if problem else 200, errors=errors
    )
    if problem:
        cookies.drop(response, cookies.JOURNEY)
    return response


@router.get("/reset-password")
async def link_page(request: Request) -> Response:
    return _link_page(request)


@router.post("/reset-password")
async def check_link(request: Request) -> Response:
    form = await posted(request)
    token = _token(form.text("link"))
    api: Api = request.app.state.api
    try:
        answer = await api.call(
            request, "POST", "/patient/recovery/password/reset/check", json={"token": token}
        )
    except ApiProblem as problem:
        return _link_page(request, problem)
    response = RedirectResponse(LAST_STEP, status_code=303)
    cookies.keep_journey(
        response,
        {
            resets.WAY: WAY,
            "token": token,
            "username": answer.body["username"],
            "practice_id": answer.body.get("practice_id") or "",
            resets.CODE_NEEDED: "yes" if answer.body["second_factor_required"] else "",
        },
    )
    return response


@router.get(LAST_STEP)
async def new_password_page(request: Request) -> Response:
    journey = resets.journey_of(request, WAY)
    if not journey:
        return RedirectResponse("/reset-password", status_code=303)
    return await resets.last_step(request, "reset_link_password.html", journey, action=LAST_STEP)


@router.post(LAST_STEP)
async def change_password(request: Request) -> Response:
    form = await posted(request)
    journey = resets.journey_of(request, WAY)
    if not journey:
        return RedirectResponse("/reset-password", status_code=303)
    api: Api = request.app.state.api
    try:
        await api.call(
            request,
            "POST",
            "/patient/recovery/password/reset",
            json={
                "token": journey["token"],
                "new_password": form.secret("new_password"),
                **resets.second_factor(form, journey),
            },
        )
    except ApiProblem as problem:
        if problem.code in MESSAGES:
            return _link_page(request, problem)
        errors, code_needed = resets.explain_last_step(request, problem, journey)
        return await resets.last_step(
            request,
            "reset_link_password.html",
            journey,
            status=problem.status,
            errors=errors,
            code_needed=code_needed,
            form=form,
            action=LAST_STEP,
        )
    return resets.finished(WAY)
