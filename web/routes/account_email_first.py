"""What an account must do first after a reset with account information (I8 d, I5): verify an
account email (the address and the password, then the code sent there), before anything
else; then on to the next thing the account must do (the five security questions, I3)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web import cookies
from web.api import ApiProblem
from web.forms import posted
from web.i18n import N_
from web.pages import Pages
from web.problems import explain
from web.session import REQUIRED_ACTION_PAGES, call, session_of

router = APIRouter()

EMAIL = REQUIRED_ACTION_PAGES["verify_account_email"]
CODE = f"{EMAIL}/code"
SENT_TO = "email_sent_to"
MESSAGES = {
    "WRONG_CURRENT_PASSWORD": N_("Your password is not right. Enter the one you use to sign in."),
    "EMAIL_TAKEN": N_(
        "That email address already belongs to another portal account. Use another email address."
    ),
    "RESEND_THROTTLED": N_(
        "We sent a code a short while ago: look for it in your email. If it has not arrived, "
        "ask for another one in %(minutes)s minute(s)."
    ),
    "WRONG_CODE": N_(
        "That code is not right. Check it and try again. Attempts left: %(attempts_left)s."
    ),
    "CODE_EXPIRED": N_("This code no longer works. Send a new code."),
}
FIELDS = {
    "current_password": N_("Enter your password."),
    "email": N_("Enter an email address like name@example.com."),
}


def _pages(request: Request) -> Pages:
    return request.app.state.pages  # type: ignore[no-any-return]


@router.get(EMAIL)
async def email_page(request: Request) -> Response:
    session_of(request)
    return _pages(request).render(request, "account_email_first.html", email="")


@router.post(EMAIL)
async def send_code(request: Request) -> Response:
    form = await posted(request)
    try:
        answer = await call(
            request,
            "POST",
            "/patient/account/email-change",
            json={"email": form.text("email"), "current_password": form.secret("current_password")},
        )
    except ApiProblem as problem:
        return _pages(request).render(
            request,
            "account_email_first.html",
            status=problem.status,
            errors=explain(request, problem, MESSAGES, FIELDS),
            email=form.text("email"),
        )
    response = RedirectResponse(CODE, status_code=303)
    cookies.keep_journey(response, {SENT_TO: answer.body["code_destination_hint"]})
    return response


@router.get(CODE)
async def code_page(request: Request) -> Response:
    session_of(request)
    sent_to = cookies.journey(request).get(SENT_TO, "")
    if not sent_to:
        return RedirectResponse(EMAIL, status_code=303)
    return _pages(request).render(request, "account_email_first_code.html", sent_to=sent_to)


@router.post(CODE)
async def confirm(request: Request) -> Response:
    form = await posted(request)
    try:
        answer = await call(
            request,
            "POST",
            "/patient/account/email-change/confirm",
            json={"code": form.text("code")},
        )
    except ApiProblem as problem:
        errors = explain(request, problem, MESSAGES, FIELDS)
        return _pages(request).render(
            request,
            "account_email_first_code.html",
            status=problem.status,
            errors=errors,
            sent_to=cookies.journey(request).get(SENT_TO, ""),
        )
    actions = answer.body.get("required_actions") or []
    response = RedirectResponse(
        REQUIRED_ACTION_PAGES.get(actions[0], "/home") if actions else "/home", status_code=303
    )
    cookies.drop(response, cookies.JOURNEY)
    return response
