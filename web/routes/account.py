"""The account's settings (I9): what is set today, a way to change each, and a notice of the
change just made."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from web.i18n import N_
from web.pages import gettext
from web.routes.account_forms import pages
from web.session import call

router = APIRouter()

# What the settings page says after a change, by the name the change's page gives it.
NOTICES = {
    "username": N_("Your username is changed. We sent a notice to your account email."),
    "password": N_("Your password is changed. We sent a notice to your account email."),
    "password_elsewhere": N_(
        "Your password is changed, and you are signed out on every other device. We sent a "
        "notice to your account email."
    ),
    "questions": N_("Your security questions and answers are saved."),
    "email": N_("Your account email is changed. We sent a notice to the address you used before."),
    "notification_email": N_("Your notification email is saved."),
    "notification_email_removed": N_(
        "Your notification email is removed. Notifications go to your account email."
    ),
    "cell_phone": N_("Your cell phone number is saved."),
    "authenticator_on": N_(
        "The authenticator app is on. Each time you sign in, we will ask for its code."
    ),
    "authenticator_off": N_(
        "The authenticator app is off, and your recovery codes no longer work."
    ),
}


@router.get("/account")
async def settings(request: Request) -> Response:
    """Every setting, with a link to change it."""
    current = (await call(request, "GET", "/patient/account/settings")).body
    done = request.query_params.get("done", "")
    notice = gettext(request, NOTICES[done]) if done in NOTICES else ""
    phone = current["cell_phone_hint"] or ""
    return pages(request).render(
        request,
        "account.html",
        settings=current,
        phone_ending=phone[-4:],
        notice=notice,
    )
