"""What the four ways of resetting a forgotten password share (I8): the last step, where the
new password (with its live checklist) goes to the API with what proves the person, and the
authenticator's code or a recovery code once the API says the account needs one; that step's
problems in the person's words; the page for a way that is closed; and the page that says it
is done. Each way keeps its step's values in the journey cookie, never in a URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web import cookies
from web.api import ApiProblem
from web.forms import Posted
from web.i18n import N_
from web.pages import FormErrors, Pages, gettext
from web.passwords import checklist
from web.problems import explain

WAY = "way"
# In the journey once the API said this account needs a code with its new password.
CODE_NEEDED = "code_needed"
CODE_KINDS = ("totp_code", "recovery_code")
DONE = "/forgot-password/done"
MESSAGES = {
    "PASSWORD_POLICY": N_(
        "Choose another password: the one you typed does not meet every requirement in the list."
    ),
    "WRONG_SECOND_FACTOR_CODE": N_(
        "That code is not right. Enter the code your authenticator app shows now, or one of "
        "your unused recovery codes."
    ),
}
ASK_FOR_CODE = N_(
    "Your account uses an authenticator app. Enter the code it shows now, or one of your "
    "recovery codes, with your new password."
)
NEW_PASSWORD = N_("Choose a password that meets every requirement in the list.")
CODE = N_("Enter the code from your authenticator app, or one of your recovery codes.")
# The API's names for the last step's fields, and the page's.
FIELD_NAMES = {"password": "new_password", "totp_code": "code", "recovery_code": "code"}
FIELDS = {
    "password": NEW_PASSWORD,
    "new_password": NEW_PASSWORD,
    "totp_code": CODE,
    "recovery_code": CODE,
}


def pages(request: Request) -> Pages:
    return request.app.state.pages  # type: ignore[no-any-return]


def journey_of(request: Request, way: str) -> dict[str, str]:
    """The journey kept for `way`, or nothing when the browser is on another (or none)."""
    kept = cookies.journey(request)
    return kept if kept.get(WAY) == way else {}


def second_factor(form: Posted, journey: Mapping[str, str]) -> dict[str, str]:
    """The code given, by the API's field name, once the page asks for one."""
    if not journey.get(CODE_NEEDED):
        return {}
    kind = form.text("code_kind")
    return {kind if kind in CODE_KINDS else "totp_code": form.text("code")}


def explain_last_step(
    request: Request,
    problem: ApiProblem,
    journey: Mapping[str, str],
    messages: Mapping[str, str] | None = None,
    fields: Mapping[str, str] | None = None,
) -> tuple[FormErrors, bool]:
    """The last step's errors, named by the page's fields, and whether the page must now ask
    for the code (the API wants one and none was asked for yet)."""
    if problem.code == "WRONG_SECOND_FACTOR_CODE" and not journey.get(CODE_NEEDED):
        return FormErrors(fields={"code": gettext(request, ASK_FOR_CODE)}), True
    errors = explain(
        request, problem, {**MESSAGES, **(messages or {})}, {**FIELDS, **(fields or {})}
    )
    named = {FIELD_NAMES.get(name, name): message for name, message in errors.fields.items()}
    if problem.code == "WRONG_SECOND_FACTOR_CODE":
        return FormErrors(fields={"code": errors.message}), False
    return FormErrors(errors.message, named), False


async def last_step(
    request: Request,
    template: str,
    journey: Mapping[str, str],
    *,
    status: int = 200,
    errors: FormErrors | None = None,
    code_needed: bool = False,
    form: Posted | None = None,
    **context: Any,
) -> Response:
    """The way's last page: its proof (`context`), the new password with the practice's
    checklist, and the code when needed; `code_needed` turns the code on from now on."""
    username = journey.get("username", "")
    practice_id = journey.get("practice_id", "")
    kind = form.text("code_kind") if form else ""
    response = pages(request).render(
        request,
        template,
        status=status,
        errors=errors,
        requirements=await checklist(request, username=username, practice_id=practice_id),
        username=username,
        practice_id=practice_id,
        code_needed=code_needed or bool(journey.get(CODE_NEEDED)),
        code_kind=kind if kind in CODE_KINDS else "totp_code",
        **context,
    )
    if code_needed:
        cookies.keep_journey(response, {**journey, CODE_NEEDED: "yes"})
    return response


def closed(request: Request, problem: ApiProblem, messages: Mapping[str, str]) -> Response:
    """A way that is closed for this account (too many wrong answers): what to do instead."""
    errors = explain(request, problem, messages)
    response = pages(request).render(
        request, "reset_closed.html", status=problem.status, message=errors.message
    )
    cookies.drop(response, cookies.JOURNEY)
    return response


def finished(way: str) -> Response:
    """The password is changed: the page that says so, and what comes next for `way`."""
    response = RedirectResponse(DONE, status_code=303)
    cookies.keep_journey(response, {"done": way})
    return response
