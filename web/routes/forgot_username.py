"""Forgot username (I7, X3), from the sign-in page: to the verified email of the portal account,
or to a notification email with the patient's last name and date of birth. Whatever matched,
the person reads the same answer: the API's "on its way", in their words."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web.api import Api, ApiProblem
from web.forms import Posted, posted
from web.i18n import N_
from web.pages import FormErrors, Pages, gettext
from web.problems import explain

router = APIRouter()

WAYS = {
    "account": "/forgot-username/account-email",
    "notification": "/forgot-username/notification-email",
}
SENT = "/forgot-username/sent"
CHOOSE = N_("Choose which email address we send your username to.")
FIELDS = {"last_name": N_("Enter your last name.")}


def _pages(request: Request) -> Pages:
    return request.app.state.pages  # type: ignore[no-any-return]


@router.get("/forgot-username")
async def choose_page(request: Request) -> Response:
    return _pages(request).render(request, "forgot_username.html")


@router.post("/forgot-username")
async def choose(request: Request) -> Response:
    form = await posted(request)
    if (chosen := form.text("way")) in WAYS:
        return RedirectResponse(WAYS[chosen], status_code=303)
    message = gettext(request, CHOOSE)
    errors = FormErrors(message, {"way": message})
    return _pages(request).render(request, "forgot_username.html", status=422, errors=errors)


def _form_page(
    request: Request,
    template: str,
    *,
    form: Posted | None = None,
    problem: ApiProblem | None = None,
) -> Response:
    return _pages(request).render(
        request,
        template,
        status=problem.status if problem else 200,
        errors=explain(request, problem, fields=FIELDS) if problem else None,
        email=form.text("email") if form else "",
        last_name=form.text("last_name") if form else "",
        birth_date=form.date_parts("date_of_birth") if form else {},
    )


async def _ask(request: Request, template: str, with_record: bool) -> Response:
    """Asks for the reminder; the same "on its way" page follows, whatever matched (X3)."""
    form = await posted(request)
    asked: dict[str, str] = {"email": form.text("email")}
    if with_record:
        asked |= {"last_name": form.text("last_name"), "date_of_birth": form.date("date_of_birth")}
    api: Api = request.app.state.api
    try:
        await api.call(request, "POST", "/patient/recovery/username", json=asked)
    except ApiProblem as problem:
        return _form_page(request, template, form=form, problem=problem)
    return RedirectResponse(SENT, status_code=303)


@router.get(WAYS["account"])
async def account_email_page(request: Request) -> Response:
    return _form_page(request, "forgot_username_account_email.html")


@router.post(WAYS["account"])
async def by_account_email(request: Request) -> Response:
    return await _ask(request, "forgot_username_account_email.html", with_record=False)


@router.get(WAYS["notification"])
async def notification_email_page(request: Request) -> Response:
    return _form_page(request, "forgot_username_notification_email.html")


@router.post(WAYS["notification"])
async def by_notification_email(request: Request) -> Response:
    return await _ask(request, "forgot_username_notification_email.html", with_record=True)


@router.get(SENT)
async def sent(request: Request) -> Response:
    return _pages(request).render(request, "forgot_username_sent.html")
