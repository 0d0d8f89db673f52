"""Accepting an invitation to act for someone (P1, P3, E10): the link in a guardian's or a
representative's invitation opens `/proxy-invitation#token=…`; the invitee identifies the
patient by ZIP code and date of birth, then accepts with the account they are signed in
with, signs in to accept (with the authenticator's code when the account asks for it), or
creates an account (`proxy_account`). Either way they land signed in, acting for the patient.
The ticket and what the invitation says travel in the journey cookie."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web import acting, cookies
from web.api import Answer, Api, ApiProblem
from web.forms import posted
from web.i18n import N_
from web.pages import FormErrors, Pages, gettext
from web.problems import explain
from web.session import REQUIRED_ACTION_PAGES, SignInNeeded, call

router = APIRouter()

START = "/proxy-invitation"
TOKEN = re.compile(r"(?:token=)?([A-Za-z0-9_-]{16,})\s*$")
MESSAGES = {
    "PROXY_INVITATION_NOT_VERIFIED": N_(
        "This link, ZIP code or date of birth does not work. Check the patient's ZIP code and "
        "date of birth and try again. If it still does not work, the link may have expired or "
        "been replaced: ask the person who invited you, or the practice, for a new invitation."
    ),
    "PROXY_TICKET_NOT_VALID": N_(
        "This step has expired. Open the link in your invitation email again, then enter the "
        "patient's ZIP code and date of birth."
    ),
    "PROXY_INVITATION_INVALID": N_(
        "This is the patient's own account. To act for them, sign in with an account of your "
        "own, or create one."
    ),
    "PROXY_ALREADY_ACTIVE": N_("Your account already acts for this patient."),
    "BAD_CREDENTIALS": N_("The username or password is incorrect."),
    "WRONG_SECOND_FACTOR_CODE": N_(
        "That code is not right. Enter the code your authenticator app shows now, or one of "
        "your unused recovery codes."
    ),
    "SIGN_IN_CHALLENGE_ENDED": N_("This sign-in step has expired. Sign in again."),
}
FIELDS = {
    "link": N_("Paste the whole link from your invitation email. It starts with https://"),
    "zip_code": N_("Enter the patient's 5-digit ZIP code, like 60614."),
    "date_of_birth": N_("Enter the patient's date of birth as month, day and year."),
    "relationship_label": N_("Say in a few words how you are related, like mother or husband."),
}
# The fields' messages when the answers, or the link, do not match (the same for both, X3).
NOT_MATCHING = {
    "zip_code": N_("Check the patient's ZIP code."),
    "date_of_birth": N_("Check the patient's date of birth."),
}


def _pages(request: Request) -> Pages:
    return request.app.state.pages  # type: ignore[no-any-return]


def invitation(request: Request) -> dict[str, str]:
    """What the journey keeps of the invitation (empty before the patient is identified)."""
    kept = cookies.journey(request)
    return kept if kept.get("ticket") else {}


def render(request: Request, template: str, **context: Any) -> Response:
    """A page of the journey, naming the patient and how the invitee stands to them."""
    kept = invitation(request)
    return _pages(request).render(
        request,
        template,
        patient=kept.get("patient", ""),
        kind=kept.get("kind", ""),
        **context,
    )


def start_again(request: Request, problem: ApiProblem | None = None) -> Response:
    """The first step again, saying why when the ticket has expired."""
    errors = explain(request, problem, MESSAGES) if problem else FormErrors()
    response = _pages(request).render(
        request,
        "proxy_invitation.html",
        status=problem.status if problem else 200,
        errors=FormErrors(errors.message),
        link="",
        zip_code="",
        born={},
    )
    cookies.drop(response, cookies.JOURNEY)
    return response


def landed(
    request: Request, relationship: dict[str, Any], session_token: str, actions: list[str]
) -> Response:
    """Signed in, acting for the patient: their record, or first what the account must do."""
    kept = invitation(request)
    target = f"/records/{relationship['patient_id']}"
    if actions:
        target = REQUIRED_ACTION_PAGES.get(actions[0], "/home")
    response = RedirectResponse(target, status_code=303)
    cookies.put(response, cookies.SESSION, session_token)
    now = acting.Acting(relationship["patient_id"], kept.get("patient", ""), relationship["kind"])
    acting.keep(response, session_token, now)
    cookies.drop(response, cookies.JOURNEY)
    return response


@router.get(START)
async def identify_page(request: Request) -> Response:
    return _pages(request).render(request, "proxy_invitation.html", link="", zip_code="", born={})


@router.post(START)
async def identify(request: Request) -> Response:
    form = await posted(request)
    found = TOKEN.search(form.text("link"))
    again = {
        "link": found.group(1) if found else "",
        "zip_code": form.text("zip_code"),
        "born": form.date_parts("date_of_birth"),
    }
    if not found:
        errors = FormErrors(fields={"link": gettext(request, FIELDS["link"])})
        return _pages(request).render(
            request, "proxy_invitation.html", status=422, errors=errors, **again
        )
    api: Api = request.app.state.api
    try:
        answer = await api.call(
            request,
            "POST",
            "/patient/proxy-invitations/verify",
            json={
                "invitation_token": found.group(1),
                "zip_code": form.text("zip_code"),
                "date_of_birth": form.date("date_of_birth"),
            },
        )
    except ApiProblem as problem:
        fields = NOT_MATCHING if problem.code == "PROXY_INVITATION_NOT_VERIFIED" else FIELDS
        errors = explain(request, problem, MESSAGES, fields)
        if "invitation_token" in errors.fields:
            fields = {k: v for k, v in errors.fields.items() if k != "invitation_token"}
            errors = FormErrors(errors.message, {"link": gettext(request, FIELDS["link"])} | fields)
        return _pages(request).render(
            request, "proxy_invitation.html", status=problem.status, errors=errors, **again
        )
    body = answer.body
    response = RedirectResponse(f"{START}/next", status_code=303)
    cookies.keep_journey(
        response,
        {
            "ticket": body["ticket"],
            "kind": body["kind"],
            "patient": body.get("patient_first_name") or "",
            "practice_id": body["practice_id"],
            "first_name": body["first_name"],
            "last_name": body["last_name"],
            "email": body["email"],
            "label": body["relationship_label"],
        },
    )
    return response


@router.get(f"{START}/next")
async def choose(request: Request) -> Response:
    """Accept with the account signed in here, or choose: sign in, or create an account."""
    kept = invitation(request)
    if not kept:
        return RedirectResponse(START, status_code=303)
    username = ""
    if request.cookies.get(cookies.SESSION):
        try:
            username = (await call(request, "GET", "/patient/me")).body["account"]["username"]
        except SignInNeeded:
            username = ""
    return render(
        request, "proxy_invitation_next.html", username=username, label=kept.get("label", "")
    )


@router.post(f"{START}/accept")
async def accept_signed_in(request: Request) -> Response:
    """Accepts with the session this browser already has."""
    form = await posted(request)
    kept = invitation(request)
    if not kept:
        return RedirectResponse(START, status_code=303)
    label = form.text("relationship_label")
    try:
        answer = await call(
            request,
            "POST",
            "/patient/proxy-invitations/accept",
            json={"ticket": kept["ticket"], "relationship_label": label or None},
        )
    except SignInNeeded:
        response = RedirectResponse(f"{START}/sign-in", status_code=303)
        cookies.drop(response, cookies.SESSION)
        return response
    except ApiProblem as problem:
        if problem.code == "PROXY_TICKET_NOT_VALID":
            return start_again(request, problem)
        errors = explain(request, problem, MESSAGES, FIELDS)
        me = (await call(request, "GET", "/patient/me")).body
        return render(
            request,
            "proxy_invitation_next.html",
            status=problem.status,
            errors=_on_form(errors, ("relationship_label",)),
            username=me["account"]["username"],
            label=label,
        )
    return landed(request, answer.body, request.cookies[cookies.SESSION], [])


def _on_form(errors: FormErrors, names: tuple[str, ...]) -> FormErrors:
    """Only the errors of fields the form has (the API may name others, like account_id)."""
    return FormErrors(errors.message, {k: v for k, v in errors.fields.items() if k in names})


async def accept_with(request: Request, session: Answer, label: str) -> Response:
    """Accepts with a session just opened: lands, or shows why not (signed in all the same)."""
    token = session.body["session_token"]
    actions = session.body.get("required_actions") or []
    kept = invitation(request)
    if actions:
        # The account must answer its questions first (I3); the link still works after.
        response = RedirectResponse(REQUIRED_ACTION_PAGES.get(actions[0], "/home"), 303)
        cookies.put(response, cookies.SESSION, token)
        return response
    api: Api = request.app.state.api
    try:
        answer = await api.call(
            request,
            "POST",
            "/patient/proxy-invitations/accept",
            json={"ticket": kept["ticket"], "relationship_label": label or None},
            session=token,
        )
    except ApiProblem as problem:
        if problem.code == "PROXY_TICKET_NOT_VALID":
            response = start_again(request, problem)
        else:
            errors = explain(request, problem, MESSAGES, FIELDS)
            response = render(
                request,
                "proxy_invitation_next.html",
                status=problem.status,
                errors=_on_form(errors, ("relationship_label",)),
                username=session.body["account"]["username"],
                label=label,
            )
        cookies.put(response, cookies.SESSION, token)
        return response
    return landed(request, answer.body, token, [])
