"""Where the account is signed in (I10), each session ended from here or all but this one at
once, and the devices remembered at sign-in (I4), each forgotten from here."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web import cookies
from web.api import ApiProblem
from web.devices import device_name
from web.forms import posted
from web.i18n import N_
from web.pages import gettext
from web.routes.account_forms import moment, pages
from web.session import call

router = APIRouter()

SESSIONS, DEVICES = "/account/sessions", "/account/devices"
NOTICES = {
    "ended": N_("We signed that device out."),
    "ended_others": N_("We signed you out everywhere else. You are still signed in here."),
    "gone": N_("That device was already signed out."),
    "forgotten": N_("We forgot that device. It will be asked for everything at its next sign-in."),
}


def _segment(value: str) -> str:
    """An ID from a form as one path segment of the API's URL, whatever it holds."""
    return quote(value, safe="") or "-"


def _notice(request: Request) -> str:
    done = request.query_params.get("done", "")
    return gettext(request, NOTICES[done]) if done in NOTICES else ""


def _back(path: str, done: str) -> Response:
    return RedirectResponse(f"{path}?done={done}", status_code=303)


@router.get(SESSIONS)
async def sessions_page(request: Request) -> Response:
    listed = (await call(request, "GET", "/patient/sessions")).body["sessions"]
    shown = [
        {
            "session_id": row["session_id"],
            "device": device_name(request, row["device_label"]),
            "started": moment(request, row["created_at"]),
            "last_seen": moment(request, row["last_seen_at"] or row["created_at"]),
            "current": row["current"],
        }
        for row in listed
    ]
    return pages(request).render(
        request, "account_sessions.html", sessions=shown, notice=_notice(request)
    )


@router.post(f"{SESSIONS}/end")
async def end_session(request: Request) -> Response:
    form = await posted(request)
    try:
        await call(request, "DELETE", f"/patient/sessions/{_segment(form.text('session_id'))}")
    except ApiProblem as problem:
        if problem.status != 404:
            raise
        return _back(SESSIONS, "gone")
    return _back(SESSIONS, "ended")


@router.post(f"{SESSIONS}/end-others")
async def end_other_sessions(request: Request) -> Response:
    await posted(request)
    await call(request, "POST", "/patient/sessions/end-others")
    return _back(SESSIONS, "ended_others")


def _device_cookie(request: Request) -> dict[str, str] | None:
    remembered = request.cookies.get(cookies.DEVICE, "")
    return {"vestibule_device": remembered} if remembered else None


@router.get(DEVICES)
async def devices_page(request: Request) -> Response:
    listed = (await call(request, "GET", "/patient/devices", cookies=_device_cookie(request))).body[
        "devices"
    ]
    shown = [
        {
            "device_id": row["device_id"],
            "device": device_name(request, row["label"]),
            "last_used": moment(request, row["last_used_at"] or row["created_at"]),
            "until": moment(request, row["expires_at"]),
            "current": row["current"],
        }
        for row in listed
    ]
    return pages(request).render(
        request, "account_devices.html", devices=shown, notice=_notice(request)
    )


@router.post(f"{DEVICES}/forget")
async def forget_device(request: Request) -> Response:
    form = await posted(request)
    try:
        await call(request, "DELETE", f"/patient/devices/{_segment(form.text('device_id'))}")
    except ApiProblem as problem:
        if problem.status != 404:
            raise
    response = _back(DEVICES, "forgotten")
    if form.checked("current"):
        cookies.drop(response, cookies.DEVICE)
    return response
