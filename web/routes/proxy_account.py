"""Creating an account to accept an invitation (P1, P3, I1, I2, N2): the invitee's name,
email and how they are related to the patient (filled in from the invitation), then a
username and a password with the practice's checklist, then the code emailed to them (or a
new one). The code activates the account and signs it in: they land acting for the patient."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web import cookies
from web.api import Api, ApiProblem
from web.forms import posted
from web.i18n import N_
from web.pages import FormErrors, gettext
from web.passwords import checklist
from web.problems import explain
from web.routes.proxy_invitation import (
    MESSAGES,
    START,
    invitation,
    landed,
    render,
    start_again,
)

router = APIRouter()

ACCOUNT = f"{START}/account"
SECURITY = f"{ACCOUNT}/security"
CODE = f"{ACCOUNT}/code"
ABOUT = ("first_name", "last_name", "email", "relationship_label")
ACCOUNT_MESSAGES = {
    **MESSAGES,
    "USERNAME_TAKEN": N_("That username is taken. Choose another one."),
    "PASSWORD_POLICY": N_("Choose a password that meets every requirement in the list."),
    "WRONG_CODE": N_(
        "That code is not right. Check it and try again: %(attempts_left)s attempt(s) left."
    ),
    "CODE_EXPIRED": N_("This code no longer works. Send yourself a new code."),
    "RESEND_THROTTLED": N_(
        "We sent a new code a short while ago: check your email for it. If it has not "
        "arrived, ask for another one in %(seconds)s seconds."
    ),
}
# WRONG_CODE with no attempts left.
NO_ATTEMPTS = N_("That code is not right, and it has no attempts left. Send yourself a new code.")
FIELDS = {
    "first_name": N_("Enter your first name."),
    "last_name": N_("Enter your last name."),
    "email": N_("Enter your email address, like name@example.com."),
    "relationship_label": N_("Say in a few words how you are related, like mother or husband."),
    "username": N_("Choose a username of 6 to 50 letters, digits or symbols, with no spaces."),
    "password": N_("Choose a password that meets every requirement in the list."),
    "code": N_("Enter the 6-digit code we sent you."),
}


def _about(request: Request, values: dict[str, str], errors: FormErrors, status: int) -> Response:
    return render(request, "proxy_account.html", status=status, errors=errors, values=values)


@router.get(ACCOUNT)
async def about_page(request: Request) -> Response:
    kept = invitation(request)
    if not kept:
        return RedirectResponse(START, status_code=303)
    values = {
        "first_name": kept.get("account_first_name", kept.get("first_name", "")),
        "last_name": kept.get("account_last_name", kept.get("last_name", "")),
        "email": kept.get("account_email", kept.get("email", "")),
        "relationship_label": kept.get("account_label", kept.get("label", "")),
    }
    return _about(request, values, FormErrors(), 200)


@router.post(ACCOUNT)
async def about(request: Request) -> Response:
    form = await posted(request)
    kept = invitation(request)
    if not kept:
        return RedirectResponse(START, status_code=303)
    values = {name: form.text(name) for name in ABOUT}
    missing = {
        name: gettext(request, FIELDS[name])
        for name in ("first_name", "last_name", "email")
        if not values[name]
    }
    if missing:
        return _about(request, values, FormErrors(fields=missing), 422)
    response = RedirectResponse(SECURITY, status_code=303)
    cookies.keep_journey(response, {**kept, **{f"account_{k}": v for k, v in _short(values)}})
    return response


def _short(values: dict[str, str]) -> list[tuple[str, str]]:
    """The about-you values as the journey keeps them (`label` for the relationship)."""
    return [("label" if k == "relationship_label" else k, v) for k, v in values.items()]


async def _security(request: Request, errors: FormErrors, username: str, status: int) -> Response:
    kept = invitation(request)
    requirements = await checklist(request, practice_id=kept.get("practice_id", ""))
    return render(
        request,
        "proxy_account_security.html",
        status=status,
        errors=errors,
        username=username,
        requirements=requirements,
        practice_id=kept.get("practice_id", ""),
    )


@router.get(SECURITY)
async def security_page(request: Request) -> Response:
    kept = invitation(request)
    if not kept.get("account_email"):
        return RedirectResponse(ACCOUNT if kept else START, status_code=303)
    return await _security(request, FormErrors(), "", 200)


@router.post(SECURITY)
async def security(request: Request) -> Response:
    form = await posted(request)
    kept = invitation(request)
    if not kept.get("account_email"):
        return RedirectResponse(ACCOUNT if kept else START, status_code=303)
    api: Api = request.app.state.api
    try:
        answer = await api.call(
            request,
            "POST",
            "/patient/proxy-invitations/account",
            json={
                "ticket": kept["ticket"],
                "first_name": kept["account_first_name"],
                "last_name": kept["account_last_name"],
                "email": kept["account_email"],
                "relationship_label": kept.get("account_label") or None,
                "username": form.text("username"),
                "password": form.secret("password"),
            },
        )
    except ApiProblem as problem:
        if problem.code == "PROXY_TICKET_NOT_VALID":
            return start_again(request, problem)
        errors = explain(request, problem, ACCOUNT_MESSAGES, FIELDS)
        if any(name in errors.fields for name in ABOUT):
            values = {
                "first_name": kept["account_first_name"],
                "last_name": kept["account_last_name"],
                "email": kept["account_email"],
                "relationship_label": kept.get("account_label", ""),
            }
            about_errors = {k: v for k, v in errors.fields.items() if k in ABOUT}
            return _about(request, values, FormErrors(errors.message, about_errors), 422)
        shown = {k: v for k, v in errors.fields.items() if k in ("username", "password")}
        return await _security(
            request, FormErrors(errors.message, shown), form.text("username"), problem.status
        )
    response = RedirectResponse(CODE, status_code=303)
    cookies.keep_journey(response, {**kept, "hint": answer.body["code_destination_hint"]})
    return response


def _code(request: Request, errors: FormErrors, notice: str, status: int) -> Response:
    return render(
        request,
        "proxy_account_code.html",
        status=status,
        errors=errors,
        notice=notice,
        hint=invitation(request).get("hint", ""),
    )


@router.get(CODE)
async def code_page(request: Request) -> Response:
    kept = invitation(request)
    if not kept.get("hint"):
        return RedirectResponse(SECURITY if kept else START, status_code=303)
    notice = ""
    if request.query_params.get("sent"):
        notice = gettext(
            request,
            N_("We sent a new code to %(hint)s. The earlier one no longer works."),
            hint=kept["hint"],
        )
    return _code(request, FormErrors(), notice, 200)


@router.post(CODE)
async def confirm(request: Request) -> Response:
    form = await posted(request)
    kept = invitation(request)
    if not kept.get("hint"):
        return RedirectResponse(SECURITY if kept else START, status_code=303)
    api: Api = request.app.state.api
    try:
        answer = await api.call(
            request,
            "POST",
            "/patient/proxy-invitations/complete",
            json={"ticket": kept["ticket"], "code": form.text("code")},
        )
    except ApiProblem as problem:
        if problem.code == "PROXY_TICKET_NOT_VALID":
            return start_again(request, problem)
        if problem.code == "PROXY_ACCOUNT_NOT_CREATED":
            return RedirectResponse(SECURITY, status_code=303)
        messages = dict(ACCOUNT_MESSAGES)
        if problem.metadata.get("attempts_left") == "0":
            messages["WRONG_CODE"] = NO_ATTEMPTS
        errors = explain(request, problem, messages, FIELDS)
        return _code(request, FormErrors(errors.message, {"code": errors.message}), "", 422)
    session = answer.body.get("session")
    if not session:
        # A retry after the account was made: it signs in as anyone does.
        target = f"/sign-in?next=/records/{answer.body['relationship']['patient_id']}"
        response = RedirectResponse(target, status_code=303)
        cookies.drop(response, cookies.JOURNEY)
        return response
    return landed(
        request, answer.body["relationship"], session["session_token"], session["required_actions"]
    )


@router.post(f"{CODE}/new")
async def new_code(request: Request) -> Response:
    await posted(request)
    kept = invitation(request)
    if not kept.get("hint"):
        return RedirectResponse(SECURITY if kept else START, status_code=303)
    api: Api = request.app.state.api
    try:
        answer = await api.call(
            request,
            "POST",
            "/patient/proxy-invitations/account/resend-code",
            json={"ticket": kept["ticket"]},
        )
    except ApiProblem as problem:
        if problem.code == "PROXY_TICKET_NOT_VALID":
            return start_again(request, problem)
        errors = explain(request, problem, ACCOUNT_MESSAGES)
        return _code(request, FormErrors(errors.message), "", problem.status)
    response = RedirectResponse(f"{CODE}?sent=1", status_code=303)
    cookies.keep_journey(response, {**kept, "hint": answer.body["code_destination_hint"]})
    return response
