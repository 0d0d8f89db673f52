"""Signing in to accept an invitation (P1, P3, I4): username, password and how the invitee is
related to the patient; the authenticator's code or a recovery code when the account asks for
one; then the invitation is accepted with the new session and the person lands acting for
the patient (`proxy_invitation.accept_with`)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web import cookies
from web.api import Api, ApiProblem
from web.forms import posted
from web.pages import FormErrors
from web.problems import explain
from web.routes.proxy_invitation import (
    FIELDS,
    MESSAGES,
    START,
    accept_with,
    invitation,
    render,
)

router = APIRouter()

SIGN_IN = f"{START}/sign-in"
CODE = f"{SIGN_IN}/code"


@router.get(SIGN_IN)
async def sign_in_page(request: Request) -> Response:
    kept = invitation(request)
    if not kept:
        return RedirectResponse(START, status_code=303)
    return render(
        request, "proxy_invitation_sign_in.html", username="", label=kept.get("label", "")
    )


@router.post(SIGN_IN)
async def sign_in(request: Request) -> Response:
    form = await posted(request)
    kept = invitation(request)
    if not kept:
        return RedirectResponse(START, status_code=303)
    label = form.text("relationship_label")
    api: Api = request.app.state.api
    try:
        answer = await api.call(
            request,
            "POST",
            "/patient/sessions",
            json={"username": form.text("username"), "password": form.secret("password")},
        )
    except ApiProblem as problem:
        return render(
            request,
            "proxy_invitation_sign_in.html",
            status=problem.status,
            errors=explain(request, problem, MESSAGES, FIELDS),
            username=form.text("username"),
            label=label,
        )
    if answer.status == 202:
        response = RedirectResponse(CODE, status_code=303)
        cookies.keep_journey(
            response,
            {**kept, "challenge": answer.body["challenge_token"], "accept_label": label},
        )
        return response
    return await accept_with(request, answer, label)


@router.get(CODE)
async def code_page(request: Request) -> Response:
    if not invitation(request).get("challenge"):
        return RedirectResponse(SIGN_IN, status_code=303)
    recovery = request.query_params.get("with") == "recovery-code"
    return render(request, "sign_in_code.html", recovery=recovery, action=CODE)


@router.post(CODE)
async def answer_code(request: Request) -> Response:
    form = await posted(request)
    kept = invitation(request)
    if not kept.get("challenge"):
        return RedirectResponse(SIGN_IN, status_code=303)
    recovery = form.text("kind") == "recovery_code"
    api: Api = request.app.state.api
    try:
        answer = await api.call(
            request,
            "POST",
            "/patient/sessions/continue",
            json={
                "challenge_token": kept["challenge"],
                "recovery_code" if recovery else "totp_code": form.text("code"),
            },
        )
    except ApiProblem as problem:
        errors = explain(request, problem, MESSAGES)
        if problem.code == "SIGN_IN_CHALLENGE_ENDED":
            return _sign_in_again(request, errors)
        return render(
            request,
            "sign_in_code.html",
            status=problem.status,
            errors=FormErrors(errors.message, {"code": errors.message}),
            recovery=recovery,
            action=CODE,
        )
    return await accept_with(request, answer, kept.get("accept_label", ""))


def _sign_in_again(request: Request, errors: FormErrors) -> Response:
    kept = invitation(request)
    response = render(
        request,
        "proxy_invitation_sign_in.html",
        status=401,
        errors=FormErrors(errors.message),
        username="",
        label=kept.get("accept_label", ""),
    )
    cookies.keep_journey(response, {k: v for k, v in kept.items() if k != "challenge"})
    return response
