"""The authenticator app (I4): set up by scanning a QR code (or typing its key) and confirming
a first code; ten recovery codes shown once, and made anew; turned off with the password and a
current code."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

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

HOME = "/account/authenticator"
CODES_PAGE = "/account/authenticator/recovery-codes"
# The journey cookie keeps the new recovery codes only until their page shows them, once.
CODES, AFTER = "recovery_codes", "codes_after"
MESSAGES = {
    "WRONG_SECOND_FACTOR_CODE": N_(
        "That code is not right. Enter the 6-digit code your authenticator app shows now."
    ),
    "TOTP_ALREADY_ON": N_("The authenticator app is already on."),
    "TOTP_NOT_ON": N_("The authenticator app is off, so there is nothing to do here."),
    "TOTP_NOT_SET_UP": N_("Start the setup again: scan the QR code, then enter a code."),
}
FIELDS = {"code": N_("Enter the 6-digit code your authenticator app shows now.")}


def _app_key(otpauth_uri: str) -> str:
    """The key inside the app's link, in groups of four, for typing it into the app."""
    secret = parse_qs(urlparse(otpauth_uri).query).get("secret", [""])[0]
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


async def _app_on(request: Request) -> bool:
    settings = (await call(request, "GET", "/patient/account/settings")).body
    return bool(settings["authenticator_app_on"])


@router.get(HOME)
async def authenticator_page(request: Request) -> Response:
    template = "authenticator_on.html" if await _app_on(request) else "authenticator_off.html"
    return pages(request).render(request, template)


async def _setup(request: Request, problem: ApiProblem | None = None) -> Response:
    """The setup page: the same pending key each time until it is confirmed (the API keeps it)."""
    try:
        setup = (await call(request, "POST", "/patient/totp/setup")).body
    except ApiProblem as refusal:
        if refusal.code == "TOTP_ALREADY_ON":
            return RedirectResponse(HOME, status_code=303)
        raise
    context = {"qr_code": setup["qr_svg_data_uri"], "app_key": _app_key(setup["otpauth_uri"])}
    if problem is None:
        return pages(request).render(request, "authenticator_setup.html", **context)
    return refused(
        request, problem, "authenticator_setup.html", messages=MESSAGES, fields=FIELDS, **context
    )


@router.get(f"{HOME}/setup")
async def setup_page(request: Request) -> Response:
    return await _setup(request)


def _show_codes(codes: list[str], after: str) -> Response:
    response = RedirectResponse(CODES_PAGE, status_code=303)
    cookies.keep_journey(response, {CODES: " ".join(codes), AFTER: after})
    return response


@router.post(f"{HOME}/setup")
async def confirm_setup(request: Request) -> Response:
    form = await posted(request)
    try:
        answer = await call(
            request, "POST", "/patient/totp/confirm", json={"code": form.text("code")}
        )
    except ApiProblem as problem:
        if problem.code == "TOTP_ALREADY_ON":
            return RedirectResponse(HOME, status_code=303)
        return await _setup(request, problem)
    return _show_codes(answer.body["recovery_codes"], "setup")


@router.get(CODES_PAGE)
async def recovery_codes_page(request: Request) -> Response:
    """The new recovery codes, this once: the cookie that held them is dropped."""
    kept = cookies.journey(request)
    codes = kept.get(CODES, "").split()
    response = pages(request).render(
        request, "authenticator_codes.html", codes=codes, after=kept.get(AFTER, "")
    )
    cookies.drop(response, cookies.JOURNEY)
    return response


@router.get(f"{CODES_PAGE}/new")
async def new_codes_page(request: Request) -> Response:
    return pages(request).render(request, "authenticator_new_codes.html")


@router.post(f"{CODES_PAGE}/new")
async def new_codes(request: Request) -> Response:
    form = await posted(request)
    try:
        answer = await call(
            request, "POST", "/patient/totp/recovery-codes", json={"code": form.text("code")}
        )
    except ApiProblem as problem:
        return refused(
            request, problem, "authenticator_new_codes.html", messages=MESSAGES, fields=FIELDS
        )
    return _show_codes(answer.body["recovery_codes"], "new")


@router.get(f"{HOME}/turn-off")
async def turn_off_page(request: Request) -> Response:
    return pages(request).render(request, "authenticator_turn_off.html")


@router.post(f"{HOME}/turn-off")
async def turn_off(request: Request) -> Response:
    form = await posted(request)
    try:
        await call(
            request,
            "POST",
            "/patient/totp/disable",
            json={"password": form.secret("password"), "code": form.text("code")},
        )
    except ApiProblem as problem:
        return refused(
            request, problem, "authenticator_turn_off.html", messages=MESSAGES, fields=FIELDS
        )
    return back_to_settings("authenticator_off")
