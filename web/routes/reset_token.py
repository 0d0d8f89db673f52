"""Reset with the 8-digit token a practice gives (I8 c, X3): the username and the token, kept
in the journey cookie, then the new password, which the API takes with them. A wrong
username and a wrong, used, replaced or expired token are told alike, back on the first page
with what to do."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web import cookies, resets
from web.api import Api, ApiProblem
from web.forms import posted
from web.i18n import N_
from web.problems import explain

router = APIRouter()

WAY = "token"
START = "/forgot-password/token"
LAST_STEP = "/forgot-password/token/new-password"
MESSAGES = {
    "RESET_TOKEN_NOT_VALID": N_(
        "The username or the reset token is not right, or the token has expired or was "
        "replaced by a newer one. Check both and try again, or call your practice for a new "
        "token."
    ),
}
FIELDS = {
    "username": N_("Enter your username."),
    "token": N_("Enter the 8-digit reset token your practice gave you, like 12345678."),
}
# Either may be the one at fault; which is never said (X3).
CHECK_FIELDS = {
    "username": N_("Check your username."),
    "token": N_("Check the 8-digit reset token from your practice."),
}


def _start_page(
    request: Request,
    *,
    problem: ApiProblem | None = None,
    username: str = "",
    token: str = "",
) -> Response:
    fields = CHECK_FIELDS if problem and problem.code in MESSAGES else FIELDS
    errors = explain(request, problem, MESSAGES, fields) if problem else None
    response = resets.pages(request).render(
        request,
        "reset_token.html",
        status=problem.status if problem else 200,
        errors=errors,
        username=username,
        token=token,
    )
    if problem:
        cookies.drop(response, cookies.JOURNEY)
    return response


@router.get(START)
async def start_page(request: Request) -> Response:
    journey = resets.journey_of(request, WAY)
    return _start_page(request, username=journey.get("username", ""))


@router.post(START)
async def start(request: Request) -> Response:
    """Keeps the username and token for the next page; the API checks them with the new
    password (it has no step that checks a token alone)."""
    form = await posted(request)
    response = RedirectResponse(LAST_STEP, status_code=303)
    cookies.keep_journey(
        response, {resets.WAY: WAY, "username": form.text("username"), "token": form.text("token")}
    )
    return response


@router.get(LAST_STEP)
async def new_password_page(request: Request) -> Response:
    journey = resets.journey_of(request, WAY)
    if not journey:
        return RedirectResponse(START, status_code=303)
    return await resets.last_step(request, "reset_token_password.html", journey, action=LAST_STEP)


@router.post(LAST_STEP)
async def change_password(request: Request) -> Response:
    form = await posted(request)
    journey = resets.journey_of(request, WAY)
    if not journey:
        return RedirectResponse(START, status_code=303)
    api: Api = request.app.state.api
    try:
        await api.call(
            request,
            "POST",
            "/patient/recovery/password/token",
            json={
                "username": journey["username"],
                "token": journey["token"],
                "new_password": form.secret("new_password"),
                **resets.second_factor(form, journey),
            },
        )
    except ApiProblem as problem:
        if problem.code in MESSAGES or {"username", "token"} & set(problem.errors):
            return _start_page(
                request, problem=problem, username=journey["username"], token=journey["token"]
            )
        errors, code_needed = resets.explain_last_step(request, problem, journey)
        return await resets.last_step(
            request,
            "reset_token_password.html",
            journey,
            status=problem.status,
            errors=errors,
            code_needed=code_needed,
            form=form,
            action=LAST_STEP,
        )
    return resets.finished(WAY)
