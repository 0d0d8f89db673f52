"""What the account settings pages share: a form refused with the API's problem explained
beside the page's own fields, back to the settings page with a notice of what happened, and
moments shown in the person's language."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from babel.dates import format_date, format_time
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web.api import ApiProblem
from web.i18n import N_
from web.pages import FormErrors, Pages, gettext, language_of
from web.problems import explain

# Messages every settings form may meet.
MESSAGES = {
    "WRONG_CURRENT_PASSWORD": N_("Your current password is not right. Enter it again."),
    "WRONG_CODE": N_(
        "That code is not right. Check the code we sent and try again; %(attempts_left)s "
        "attempt(s) left."
    ),
    "CODE_EXPIRED": N_("This code no longer works. Start again to get a new code."),
    "RESEND_THROTTLED": N_(
        "We sent you a code a short while ago. Check for it, or ask for a new one in "
        "%(minutes)s minute(s)."
    ),
}
FIELDS = {
    "current_password": N_("Enter your current password."),
    "password": N_("Enter your password."),
}
WRONG_PASSWORD_FIELD = N_("Your current password is not right.")
WRONG_CODE_FIELD = N_("That code is not right.")


def pages(request: Request) -> Pages:
    return request.app.state.pages  # type: ignore[no-any-return]


def back_to_settings(notice: str) -> Response:
    """To the settings page, which tells what `notice` names (see `account.NOTICES`)."""
    return RedirectResponse(f"/account?done={notice}", status_code=303)


def refused(
    request: Request,
    problem: ApiProblem,
    template: str,
    *,
    messages: Mapping[str, str] | None = None,
    fields: Mapping[str, str] | None = None,
    rename: Mapping[str, str] | None = None,
    **context: Any,
) -> Response:
    """The form again, with the problem: the page's `messages` by code, its `fields` by the
    API's field names, and each field the API names shown at the form's own (`rename`: the
    API's name to the form's)."""
    named = {**FIELDS, **(fields or {})}
    if problem.code == "WRONG_CURRENT_PASSWORD":
        named = {**named, **dict.fromkeys(("current_password", "password"), WRONG_PASSWORD_FIELD)}
    if problem.code == "WRONG_CODE":
        named = {**named, "code": WRONG_CODE_FIELD}
    errors = explain(request, problem, {**MESSAGES, **(messages or {})}, named)
    renamed = {(rename or {}).get(name, name): text for name, text in errors.fields.items()}
    return pages(request).render(
        request,
        template,
        status=problem.status,
        errors=FormErrors(errors.message, renamed),
        **context,
    )


def moment(request: Request, value: str | None) -> dict[str, str]:
    """An API time as the page shows it: `iso` for the `<time>` element and `text` in words, in
    UTC, which a script turns into the browser's own time zone."""
    if not value:
        return {"iso": "", "text": ""}
    when = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    language = language_of(request)
    text = gettext(
        request,
        N_("%(date)s, %(time)s (UTC)"),
        date=format_date(when, "long", locale=language),
        time=format_time(when, "short", tzinfo=UTC, locale=language),
    )
    return {"iso": when.isoformat(), "text": text}
