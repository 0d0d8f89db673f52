"""How each practice's communications reach the person (M5, N4): by email, text message or
both, and to which email address."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web.api import ApiProblem
from web.forms import posted
from web.i18n import N_
from web.pages import gettext
from web.routes.account_forms import pages, refused
from web.session import call

router = APIRouter()

PAGE = "/account/notifications"
METHODS = {
    "email": N_("By email"),
    "sms": N_("By text message"),
    "both": N_("By email and text message"),
}
MESSAGES = {
    "CELL_PHONE_REQUIRED": N_(
        "To get text messages, first add your cell phone in your account, then choose again."
    ),
}
FIELDS = {
    "method": N_("Choose email, text message or both."),
    "email": N_("Enter an email address like name@example.com, or leave it empty."),
}
PHONE_FIELD = N_("Text messages need a cell phone in your account.")


async def _preferences(request: Request) -> list[dict[str, Any]]:
    answer = await call(request, "GET", "/patient/notification-preferences")
    return answer.body["practices"]  # type: ignore[no-any-return]


def _methods(request: Request) -> list[tuple[str, str, str]]:
    return [(value, gettext(request, text), "") for value, text in METHODS.items()]


@router.get(PAGE)
async def preferences_page(request: Request) -> Response:
    practices = await _preferences(request)
    done = request.query_params.get("done", "")
    saved = next((p["practice_name"] for p in practices if p["practice_id"] == done), "")
    shown = [{**p, "method_text": gettext(request, METHODS[p["method"]])} for p in practices]
    return pages(request).render(
        request, "account_notifications.html", practices=shown, saved=saved
    )


async def _practice(request: Request, practice_id: str) -> dict[str, Any] | None:
    return next((p for p in await _preferences(request) if p["practice_id"] == practice_id), None)


@router.get(PAGE + "/{practice_id}")
async def practice_page(request: Request, practice_id: str) -> Response:
    found = await _practice(request, practice_id)
    if found is None:
        return RedirectResponse(PAGE, status_code=303)
    return pages(request).render(
        request,
        "account_notification_practice.html",
        practice=found,
        methods=_methods(request),
        method=found["method"],
        email=found["email"] or "",
        need_phone=False,
    )


@router.post(PAGE + "/{practice_id}")
async def set_preference(request: Request, practice_id: str) -> Response:
    form = await posted(request)
    method, email = form.text("method"), form.text("email")
    try:
        await call(
            request,
            "PUT",
            f"/patient/notification-preferences/{quote(practice_id, safe='')}",
            json={"method": method, "email": email or None},
        )
    except ApiProblem as problem:
        found = await _practice(request, practice_id)
        if found is None:
            return RedirectResponse(PAGE, status_code=303)
        fields = (
            {**FIELDS, "method": PHONE_FIELD} if problem.code == "CELL_PHONE_REQUIRED" else FIELDS
        )
        return refused(
            request,
            problem,
            "account_notification_practice.html",
            messages=MESSAGES,
            fields=fields,
            practice=found,
            methods=_methods(request),
            method=method,
            email=email,
            need_phone=problem.code == "CELL_PHONE_REQUIRED",
        )
    return RedirectResponse(f"{PAGE}?done={quote(practice_id, safe='')}", status_code=303)
