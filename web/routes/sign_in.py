"""Signing in (I4, I10, I11): username and password, then the authenticator's code or a
recovery code when the account asks for one, "remember this device", and signing out."""

from __future__ import annotations

import re

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web import cookies
from web.api import Answer, Api, ApiProblem
from web.forms import posted
from web.i18n import N_
from web.pages import FormErrors, Pages, gettext
from web.problems import explain
from web.session import REQUIRED_ACTION_PAGES, SignInNeeded, call

router = APIRouter()

MESSAGES = {
    "BAD_CREDENTIALS": N_("The username or password is incorrect."),
    "ACTIVATION_PENDING": N_(
        "Your account is not active yet. Finish activation with the code we sent you."
    ),
    "ACTIVATION_EXPIRED": N_(
        "You did not finish activating this account in time. Use the newest invitation from "
        "your practice, or ask them for a new one; you can choose the same username."
    ),
    "SIGN_IN_CHALLENGE_ENDED": N_("This sign-in step has expired. Sign in again."),
    "WRONG_SECOND_FACTOR_CODE": N_(
        "That code is not right. Enter the code your authenticator app shows now, or one of "
        "your unused recovery codes."
    ),
}
CHALLENGE = "challenge"
LOCAL_PATH = re.compile(r"/(?!/)[A-Za-z0-9_./-]*")


def _pages(request: Request) -> Pages:
    return request.app.state.pages  # type: ignore[no-any-return]


def _next(request: Request, fallback: str = "/home") -> str:
    """Where to go after signing in: a plain path of this site, never another site (no "//",
    no backslash, which browsers read as a slash)."""
    target = request.query_params.get("next", "")
    return target if LOCAL_PATH.fullmatch(target) else fallback


def _signed_in(request: Request, answer: Answer) -> Response:
    """Keeps the session (and a device just remembered), then goes to what the account must
    do first, or where the person was going."""
    actions = answer.body.get("required_actions") or []
    target = REQUIRED_ACTION_PAGES.get(actions[0], "/home") if actions else _next(request)
    response = RedirectResponse(target, status_code=303)
    cookies.put(response, cookies.SESSION, answer.body["session_token"])
    if device := answer.cookies.get("vestibule_device"):
        cookies.put(response, cookies.DEVICE, device, max_age=cookies.DEVICE_SECONDS)
    cookies.drop(response, cookies.JOURNEY)
    return response


@router.get("/")
async def start(request: Request) -> Response:
    """The portal's address: home when signed in, else the sign-in page."""
    target = "/home" if request.cookies.get(cookies.SESSION) else "/sign-in"
    return RedirectResponse(target, status_code=303)


@router.get("/sign-in")
async def sign_in_page(request: Request) -> Response:
    notice = ""
    if request.query_params.get("signed_out"):
        notice = gettext(request, N_("You have signed out."))
    return _pages(request).render(request, "sign_in.html", username="", notice=notice)


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await posted(request)
    api: Api = request.app.state.api
    remembered = request.cookies.get(cookies.DEVICE, "")
    try:
        answer = await api.call(
            request,
            "POST",
            "/patient/sessions",
            json={
                "username": form.text("username"),
                "password": form.secret("password"),
                "remember_device": form.checked("remember_device"),
            },
            cookies={"vestibule_device": remembered} if remembered else None,
        )
    except ApiProblem as problem:
        errors = explain(request, problem, MESSAGES)
        return _pages(request).render(
            request,
            "sign_in.html",
            status=problem.status,
            errors=errors,
            username=form.text("username"),
            notice="",
        )
    if answer.status == 202:
        response = RedirectResponse(f"/sign-in/code{_query(request)}", status_code=303)
        cookies.keep_journey(
            response,
            {
                CHALLENGE: answer.body["challenge_token"],
                "remember_device": "yes" if form.checked("remember_device") else "",
            },
        )
        return response
    return _signed_in(request, answer)


def _query(request: Request) -> str:
    return f"?{request.url.query}" if request.url.query else ""


@router.get("/sign-in/code")
async def code_page(request: Request) -> Response:
    if not cookies.journey(request).get(CHALLENGE):
        return RedirectResponse("/sign-in", status_code=303)
    recovery = request.query_params.get("with") == "recovery-code"
    return _pages(request).render(request, "sign_in_code.html", recovery=recovery)


@router.post("/sign-in/code")
async def answer_code(request: Request) -> Response:
    form = await posted(request)
    challenge = cookies.journey(request).get(CHALLENGE, "")
    recovery = form.text("kind") == "recovery_code"
    field = "recovery_code" if recovery else "totp_code"
    if not challenge:
        return RedirectResponse("/sign-in", status_code=303)
    api: Api = request.app.state.api
    try:
        answer = await api.call(
            request,
            "POST",
            "/patient/sessions/continue",
            json={"challenge_token": challenge, field: form.text("code")},
        )
    except ApiProblem as problem:
        if problem.code == "SIGN_IN_CHALLENGE_ENDED":
            errors = explain(request, problem, MESSAGES)
            response = _pages(request).render(
                request, "sign_in.html", status=401, errors=errors, username="", notice=""
            )
            cookies.drop(response, cookies.JOURNEY)
            return response
        errors = explain(request, problem, MESSAGES)
        if errors.fields or problem.code == "WRONG_SECOND_FACTOR_CODE":
            errors = FormErrors(errors.message, {"code": errors.message})
        return _pages(request).render(
            request, "sign_in_code.html", status=problem.status, errors=errors, recovery=recovery
        )
    return _signed_in(request, answer)


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    await posted(request)
    response = RedirectResponse("/sign-in?signed_out=1", status_code=303)
    try:
        await call(request, "DELETE", "/patient/sessions/current")
    except SignInNeeded:
        pass
    cookies.drop(response, cookies.SESSION)
    return response
