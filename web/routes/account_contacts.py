"""How the portal reaches the person (I5, N2): the account email, changed once a code sent to
the new address comes back (re-verified), the notification email, and the cell phone, changed
once a code sent to it by text message comes back."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web import cookies
from web.api import ApiProblem
from web.forms import posted
from web.i18n import N_
from web.routes.account_forms import back_to_settings, pages, refused
from web.session import call

router = APIRouter()

EMAIL_MESSAGES = {
    "EMAIL_TAKEN": N_(
        "That email address already belongs to another account. Use another email address."
    ),
}
EMAIL_FIELDS = {"EMAIL_TAKEN": N_("This address belongs to another account.")}
NOTIFICATION_FIELDS = {
    "notification_email": N_("Enter an email address like name@example.com, or leave it empty.")
}
PHONE_HINT = "phone_hint"


async def _settings(request: Request) -> dict[str, object]:
    return (await call(request, "GET", "/patient/account/settings")).body  # type: ignore[no-any-return]


@router.get("/account/email")
async def email_page(request: Request) -> Response:
    current = await _settings(request)
    return pages(request).render(request, "account_email.html", settings=current, email="")


@router.post("/account/email")
async def start_email_change(request: Request) -> Response:
    form = await posted(request)
    try:
        await call(
            request,
            "POST",
            "/patient/account/email-change",
            json={"current_password": form.secret("current_password"), "email": form.text("email")},
        )
    except ApiProblem as problem:
        return refused(
            request,
            problem,
            "account_email.html",
            messages=EMAIL_MESSAGES,
            fields={"email": EMAIL_FIELDS[problem.code]} if problem.code in EMAIL_FIELDS else None,
            settings=await _settings(request),
            email=form.text("email"),
        )
    return RedirectResponse("/account/email/code", status_code=303)


@router.get("/account/email/code")
async def email_code_page(request: Request) -> Response:
    current = await _settings(request)
    if not current["pending_email"]:
        return RedirectResponse("/account/email", status_code=303)
    return pages(request).render(
        request, "account_email_code.html", pending=current["pending_email"]
    )


@router.post("/account/email/code")
async def confirm_email_change(request: Request) -> Response:
    form = await posted(request)
    try:
        await call(
            request,
            "POST",
            "/patient/account/email-change/confirm",
            json={"code": form.text("code")},
        )
    except ApiProblem as problem:
        current = await _settings(request)
        return refused(
            request,
            problem,
            "account_email_code.html",
            messages=EMAIL_MESSAGES,
            fields={"code": EMAIL_FIELDS[problem.code]} if problem.code in EMAIL_FIELDS else None,
            rename={"email": "code"},
            pending=current["pending_email"] or "",
        )
    return back_to_settings("email")


@router.get("/account/notification-email")
async def notification_email_page(request: Request) -> Response:
    current = await _settings(request)
    return pages(request).render(
        request,
        "account_notification_email.html",
        email=current["notification_email"] or "",
        saved=bool(current["notification_email"]),
    )


async def _set_notification_email(request: Request, email: str | None) -> Response:
    try:
        await call(
            request,
            "PUT",
            "/patient/account/notification-email",
            json={"notification_email": email},
        )
    except ApiProblem as problem:
        current = await _settings(request)
        return refused(
            request,
            problem,
            "account_notification_email.html",
            fields=NOTIFICATION_FIELDS,
            email=email or "",
            saved=bool(current["notification_email"]),
        )
    return back_to_settings("notification_email" if email else "notification_email_removed")


@router.post("/account/notification-email")
async def set_notification_email(request: Request) -> Response:
    form = await posted(request)
    return await _set_notification_email(request, form.text("notification_email") or None)


@router.post("/account/notification-email/remove")
async def remove_notification_email(request: Request) -> Response:
    await posted(request)
    return await _set_notification_email(request, None)


@router.get("/account/cell-phone")
async def cell_phone_page(request: Request) -> Response:
    current = await _settings(request)
    hint = str(current["cell_phone_hint"] or "")
    return pages(request).render(
        request, "account_cell_phone.html", phone_ending=hint[-4:], cell_phone=""
    )


@router.post("/account/cell-phone")
async def start_cell_phone_change(request: Request) -> Response:
    form = await posted(request)
    try:
        answer = await call(
            request,
            "POST",
            "/patient/account/cell-phone-change",
            json={
                "current_password": form.secret("current_password"),
                "cell_phone": form.text("cell_phone"),
            },
        )
    except ApiProblem as problem:
        hint = str((await _settings(request))["cell_phone_hint"] or "")
        return refused(
            request,
            problem,
            "account_cell_phone.html",
            phone_ending=hint[-4:],
            cell_phone=form.text("cell_phone"),
        )
    response = RedirectResponse("/account/cell-phone/code", status_code=303)
    cookies.keep_journey(response, {PHONE_HINT: answer.body["code_destination_hint"][-4:]})
    return response


@router.get("/account/cell-phone/code")
async def cell_phone_code_page(request: Request) -> Response:
    ending = cookies.journey(request).get(PHONE_HINT, "")
    return pages(request).render(request, "account_cell_phone_code.html", phone_ending=ending)


@router.post("/account/cell-phone/code")
async def confirm_cell_phone_change(request: Request) -> Response:
    form = await posted(request)
    try:
        await call(
            request,
            "POST",
            "/patient/account/cell-phone-change/confirm",
            json={"code": form.text("code")},
        )
    except ApiProblem as problem:
        return refused(
            request,
            problem,
            "account_cell_phone_code.html",
            phone_ending=cookies.journey(request).get(PHONE_HINT, ""),
        )
    response = back_to_settings("cell_phone")
    cookies.drop(response, cookies.JOURNEY)
    return response
