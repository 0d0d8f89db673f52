"""Reset with account information (I8 d, X3), once, for an account with no verified email
and no security questions: username, name, date of birth and home phone; then the person
picks their home street from five addresses and chooses the new password, which the API takes
together. The five are shown whatever matched, so a stranger learns nothing; a wrong pick or
detail sends the person back to start again, and the second closes this way."""

from __future__ import annotations

import json

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web import cookies, resets
from web.api import Api, ApiProblem
from web.forms import Posted, posted
from web.i18n import N_
from web.pages import FormErrors
from web.problems import explain

router = APIRouter()

WAY = "information"
START = "/forgot-password/account-information"
ADDRESS = "/forgot-password/account-information/address"
STARTED_AGAIN = {
    "WRONG_ACCOUNT_INFORMATION": N_(
        "The details or the address you picked do not match our records. Check them and try "
        "again. After too many tries this way closes: then call your practice for a reset "
        "token."
    ),
    "INFORMATION_RESET_NOT_VALID": N_(
        "You took too long to pick your address. Enter your details to start again."
    ),
}
CLOSED = {
    "INFORMATION_RESET_CLOSED": N_(
        "Resetting with your personal details is closed for this account after too many "
        "tries. Call your practice for a reset token."
    ),
}
FIELDS = {
    "username": N_("Enter your username."),
    "first_name": N_("Enter your first name."),
    "last_name": N_("Enter your last name."),
    "home_phone": N_("Enter your home phone number, like (312) 555-0142."),
}
PICK = N_("Choose the street address of your home.")


def _details(form: Posted | None, username: str = "") -> dict[str, object]:
    """What the details page shows again: what was typed (the username alone after a step
    further on)."""
    if form is None:
        return {
            "username": username,
            "first_name": "",
            "last_name": "",
            "home_phone": "",
            "birth_date": {},
        }
    return {
        "username": form.text("username"),
        "first_name": form.text("first_name"),
        "last_name": form.text("last_name"),
        "home_phone": form.text("home_phone"),
        "birth_date": form.date_parts("date_of_birth"),
    }


def _start_page(
    request: Request,
    *,
    problem: ApiProblem | None = None,
    form: Posted | None = None,
    username: str = "",
) -> Response:
    errors = explain(request, problem, STARTED_AGAIN, FIELDS) if problem else None
    if errors and problem and problem.code in STARTED_AGAIN:
        errors = FormErrors(errors.message)  # the fields at fault were on the next page
    response = resets.pages(request).render(
        request,
        "reset_information.html",
        status=problem.status if problem else 200,
        errors=errors,
        **_details(form, username),
    )
    if problem and problem.code in STARTED_AGAIN:
        cookies.drop(response, cookies.JOURNEY)
    return response


@router.get(START)
async def start_page(request: Request) -> Response:
    return _start_page(request)


@router.post(START)
async def start(request: Request) -> Response:
    form = await posted(request)
    api: Api = request.app.state.api
    try:
        answer = await api.call(
            request,
            "POST",
            "/patient/recovery/password/account-information",
            json={
                "username": form.text("username"),
                "first_name": form.text("first_name"),
                "last_name": form.text("last_name"),
                "date_of_birth": form.date("date_of_birth"),
                "home_phone": form.text("home_phone"),
            },
        )
    except ApiProblem as problem:
        if problem.code in CLOSED:
            return resets.closed(request, problem, CLOSED)
        return _start_page(request, problem=problem, form=form)
    response = RedirectResponse(ADDRESS, status_code=303)
    cookies.keep_journey(
        response,
        {
            resets.WAY: WAY,
            "token": answer.body["token"],
            "username": form.text("username"),
            "addresses": json.dumps(answer.body["addresses"]),
        },
    )
    return response


async def _address_page(
    request: Request,
    journey: dict[str, str],
    *,
    form: Posted | None = None,
    status: int = 200,
    errors: FormErrors | None = None,
    code_needed: bool = False,
) -> Response:
    addresses = [str(a) for a in json.loads(journey.get("addresses") or "[]")]
    return await resets.last_step(
        request,
        "reset_information_address.html",
        journey,
        status=status,
        errors=errors,
        code_needed=code_needed,
        form=form,
        action=ADDRESS,
        addresses=[(str(index), address, "") for index, address in enumerate(addresses)],
        picked=form.text("address") if form else "",
    )


@router.get(ADDRESS)
async def address_page(request: Request) -> Response:
    journey = resets.journey_of(request, WAY)
    if not journey:
        return RedirectResponse(START, status_code=303)
    return await _address_page(request, journey)


@router.post(ADDRESS)
async def change_password(request: Request) -> Response:
    form = await posted(request)
    journey = resets.journey_of(request, WAY)
    if not journey:
        return RedirectResponse(START, status_code=303)
    picked = form.text("address")
    api: Api = request.app.state.api
    try:
        await api.call(
            request,
            "POST",
            "/patient/recovery/password/account-information/address",
            json={
                "token": journey["token"],
                "address_index": int(picked) if picked.isdigit() else None,
                "new_password": form.secret("new_password"),
                **resets.second_factor(form, journey),
            },
        )
    except ApiProblem as problem:
        if problem.code in CLOSED:
            return resets.closed(request, problem, CLOSED)
        if problem.code in STARTED_AGAIN:
            return _start_page(request, problem=problem, username=journey.get("username", ""))
        errors, code_needed = resets.explain_last_step(
            request, problem, journey, fields={"address_index": PICK}
        )
        errors = FormErrors(
            errors.message,
            {
                ("address" if name == "address_index" else name): m
                for name, m in errors.fields.items()
            },
        )
        return await _address_page(
            request,
            journey,
            form=form,
            status=problem.status,
            errors=errors,
            code_needed=code_needed,
        )
    return resets.finished(WAY)
