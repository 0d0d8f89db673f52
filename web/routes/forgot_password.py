"""Forgot password (I8, X3), from the sign-in page: the person picks the way that suits them,
in plain words; the first way, a reset link by email, is asked for here (the link opens
`reset_link`); the others have their own modules. Every way ends on the page that says the
password is changed."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web import cookies, resets
from web.api import Api, ApiProblem
from web.forms import posted
from web.i18n import N_
from web.pages import FormErrors, gettext
from web.problems import explain

router = APIRouter()

# Each way's first page, by the value of its choice.
WAYS = {
    "email": "/forgot-password/email",
    "questions": "/forgot-password/questions",
    "token": "/forgot-password/token",
    "information": "/forgot-password/account-information",
}
CHOOSE = N_("Choose how you want to reset your password.")
LOGIN = N_("Enter your username, or the email address of your portal account.")


@router.get("/forgot-password")
async def choose_page(request: Request) -> Response:
    return resets.pages(request).render(request, "forgot_password.html", chosen="")


@router.post("/forgot-password")
async def choose(request: Request) -> Response:
    form = await posted(request)
    chosen = form.text("way")
    if chosen in WAYS:
        return RedirectResponse(WAYS[chosen], status_code=303)
    message = gettext(request, CHOOSE)
    return resets.pages(request).render(
        request,
        "forgot_password.html",
        status=422,
        errors=FormErrors(message, {"way": message}),
        chosen="",
    )


@router.get("/forgot-password/email")
async def email_page(request: Request) -> Response:
    return resets.pages(request).render(request, "forgot_password_email.html", login="")


@router.post("/forgot-password/email")
async def ask_for_link(request: Request) -> Response:
    """Asks for a link; the answer is the same whether or not an account matched (X3)."""
    form = await posted(request)
    api: Api = request.app.state.api
    try:
        await api.call(
            request, "POST", "/patient/recovery/password", json={"login": form.text("login")}
        )
    except ApiProblem as problem:
        return resets.pages(request).render(
            request,
            "forgot_password_email.html",
            status=problem.status,
            errors=explain(request, problem, fields={"login": LOGIN}),
            login=form.text("login"),
        )
    return RedirectResponse("/forgot-password/email/sent", status_code=303)


@router.get("/forgot-password/email/sent")
async def link_sent(request: Request) -> Response:
    return resets.pages(request).render(request, "forgot_password_email_sent.html")


@router.get("/forgot-password/done")
async def done(request: Request) -> Response:
    """The password is changed; after a reset with account information (I8 d), the sign-in
    asks for an email and five questions first, and the page says so."""
    way = cookies.journey(request).get("done", "")
    return resets.pages(request).render(
        request, "forgot_password_done.html", validate_next=way == "information"
    )
