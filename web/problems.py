"""An API problem in the person's words and language: a message for the form and one per
field. A page names the messages of the problems it expects (by the API's `code`); those
every page may meet are here. In English an unexpected problem is shown as the API says it;
in another language, in general words, since the API speaks English."""

from __future__ import annotations

import re
from collections.abc import Mapping

from starlette.requests import Request

from web.api import ApiProblem
from web.i18n import DEFAULT_LANGUAGE, N_
from web.pages import FormErrors, gettext, language_of

# Messages by problem code; `%(name)s` takes the problem's metadata, and `%(minutes)s` and
# `%(seconds)s` its Retry-After.
COMMON = {
    "RATE_LIMITED": N_(
        "Too many attempts from your network. Wait %(minutes)s minute(s), then try again."
    ),
    "SIGN_IN_PAUSED": N_(
        "Too many wrong passwords or codes in a row. Wait %(minutes)s minute(s), then try again."
    ),
    "HASHING_BUSY": N_("Many people are signing in right now. Try again in a moment."),
    "UNAVAILABLE": N_("The portal is not answering right now. Try again in a minute."),
    "PORTAL_ACCESS_SUSPENDED": N_(
        "%(practice_name)s has suspended your access to its patient portal. To have it "
        "restored, contact %(practice_name)s at %(practice_phone)s."
    ),
}
# Fields whose message is the same on every page, whatever the API said of them.
FIELDS = {
    "zip_code": N_("Enter the 5-digit ZIP code your practice has on file, like 60614."),
    "date_of_birth": N_("Enter your date of birth as month, day and year, like 03 07 1984."),
    "email": N_("Enter an email address like name@example.com."),
    "cell_phone": N_("Enter a cell phone number like (312) 555-0142."),
    "code": N_("Enter the 6-digit code we sent you."),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
GENERAL = N_("Something is not right. Check your answers and try again.")
FIELD_GENERAL = N_("Check this answer.")


def explain(
    request: Request,
    problem: ApiProblem,
    messages: Mapping[str, str] | None = None,
    fields: Mapping[str, str] | None = None,
) -> FormErrors:
    """The form's errors for `problem`: the page's own message for its code, else a common
    one, else the API's (in English) or general words; each field at fault with the page's
    message for it, else the common one, else the API's or general words."""
    english = language_of(request) == DEFAULT_LANGUAGE
    values = {**problem.metadata, **_waits(problem.retry_after)}
    known = {**COMMON, **(messages or {})}
    if problem.code in known:
        message = gettext(request, known[problem.code], **_safe(known[problem.code], values))
    elif problem.status >= 500:
        message = gettext(request, COMMON["UNAVAILABLE"])
    elif english and problem.detail:
        message = problem.detail
    else:
        message = gettext(request, GENERAL)
    named = {**FIELDS, **(fields or {})}
    at_fault = {
        name: gettext(request, named[name])
        if name in named
        else (detail if english and detail else gettext(request, FIELD_GENERAL))
        for name, detail in problem.errors.items()
    }
    return FormErrors(message, at_fault)


def _waits(retry_after: int | None) -> dict[str, str]:
    seconds = retry_after or 60
    return {"seconds": str(seconds), "minutes": str(max(1, -(-seconds // 60)))}


def _safe(message: str, values: Mapping[str, str]) -> dict[str, str]:
    """The values the message names, an empty string for any the problem did not give."""
    return {name: values.get(name, "") for name in PLACEHOLDER.findall(message)}
