"""Changing the username (I1) and the password (I2), each with the current password; the
account email gets a notice of either (I6)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from web.api import ApiProblem
from web.forms import posted
from web.i18n import N_
from web.passwords import checklist
from web.routes.account_forms import back_to_settings, pages, refused
from web.session import call

router = APIRouter()

USERNAME_MESSAGES = {
    "USERNAME_TAKEN": N_("That username is taken. Choose another one."),
    "INVALID_IDENTITY_REQUEST": N_(
        "Choose a username of 6 to 50 letters, digits or special characters, with no spaces, "
        "that is not your username already."
    ),
}
USERNAME_FIELDS = {
    "USERNAME_TAKEN": N_("That username is taken."),
    "INVALID_IDENTITY_REQUEST": N_("Use 6 to 50 characters and no spaces."),
    "INVALID_ARGUMENT": N_("Enter the username you want."),
}
PASSWORD_MESSAGES = {
    "PASSWORD_POLICY": N_("Choose a new password that meets every requirement in the list."),
    "PASSWORD_UNCHANGED": N_("Choose a new password that differs from your current one."),
}
PASSWORD_FIELDS = {
    "PASSWORD_POLICY": N_("Your new password does not meet every requirement yet."),
    "PASSWORD_UNCHANGED": N_("This is your current password."),
    "INVALID_ARGUMENT": N_("Enter a new password."),
}


@router.get("/account/username")
async def username_page(request: Request) -> Response:
    current = (await call(request, "GET", "/patient/account/settings")).body
    return pages(request).render(
        request, "account_username.html", current=current["username"], username=""
    )


@router.post("/account/username")
async def change_username(request: Request) -> Response:
    form = await posted(request)
    try:
        await call(
            request,
            "PUT",
            "/patient/account/username",
            json={
                "current_password": form.secret("current_password"),
                "username": form.text("username"),
            },
        )
    except ApiProblem as problem:
        current = (await call(request, "GET", "/patient/account/settings")).body
        field = USERNAME_FIELDS.get(problem.code)
        return refused(
            request,
            problem,
            "account_username.html",
            messages=USERNAME_MESSAGES,
            fields={"new_username": field, "username": field} if field else None,
            rename={"new_username": "username"},
            current=current["username"],
            username=form.text("username"),
        )
    return back_to_settings("username")


async def _password_page(
    request: Request, *, password: str = "", problem: ApiProblem | None = None
) -> Response:
    """The form; after a refusal, the checklist as the refused password left it (the password
    itself is never put back in the page)."""
    me = (await call(request, "GET", "/patient/me")).body
    username = me["account"]["username"]
    practice_id = me["enrollments"][0]["practice_id"] if me["enrollments"] else ""
    requirements = await checklist(
        request, password=password, username=username, practice_id=practice_id
    )
    context = {"username": username, "practice_id": practice_id, "requirements": requirements}
    if problem is None:
        return pages(request).render(request, "account_password.html", **context)
    field = PASSWORD_FIELDS.get(problem.code)
    return refused(
        request,
        problem,
        "account_password.html",
        messages=PASSWORD_MESSAGES,
        fields={"password": field, "new_password": field} if field else None,
        rename={"password": "new_password"},
        **context,
    )


@router.get("/account/password")
async def password_page(request: Request) -> Response:
    return await _password_page(request)


@router.post("/account/password")
async def change_password(request: Request) -> Response:
    form = await posted(request)
    try:
        answer = await call(
            request,
            "PUT",
            "/patient/account/password",
            json={
                "current_password": form.secret("current_password"),
                "new_password": form.secret("new_password"),
            },
        )
    except ApiProblem as problem:
        return await _password_page(request, password=form.secret("new_password"), problem=problem)
    ended = answer.body["other_sessions_ended"]
    return back_to_settings("password_elsewhere" if ended else "password")
