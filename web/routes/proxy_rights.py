"""Inviting a trusted representative and changing what someone may do (P3, P4): their name,
email and how they are related, and the rights, from a preset ("everything", "see only") or
chosen one by one. The invitation goes out by email; its link opens `/proxy-invitation`."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from web import access_words
from web.api import ApiProblem
from web.forms import Posted, posted
from web.i18n import N_
from web.pages import FormErrors, Pages, gettext
from web.problems import explain
from web.routes.proxies import MESSAGES as LIST_MESSAGES
from web.routes.proxies import base, one
from web.routes.records import refused
from web.session import call

router = APIRouter()

CHOOSE = "choose"
MESSAGES = {
    **LIST_MESSAGES,
    "PROXY_ALREADY_ACTIVE": N_(
        "This email address already has an invitation from you, or already acts for you. To "
        "send that invitation again, use the list of people who act for you."
    ),
    "PROXY_AGE_DOES_NOT_FIT": N_(
        "You can invite a trusted representative once you are an adult. Until then, your "
        "practice can add a parent or guardian for you."
    ),
    "UNKNOWN_RIGHTS": N_("Choose what they may do from the list."),
}
# The email's own message when the API refuses it as this patient's own address.
OWN_EMAIL = N_("This is your own email address. Invite the other person with theirs.")
FIELDS = {
    "first_name": N_("Enter their first name."),
    "last_name": N_("Enter their last name."),
    "email": N_("Enter their email address, like name@example.com."),
    "relationship_label": N_("Say in a few words how they are related to you, like spouse."),
    "access": N_("Choose what they may do."),
    "rights": N_("Choose at least one thing they may do."),
}
INVITE_FIELDS = ("first_name", "last_name", "email", "relationship_label", "access", "rights")


def _pages(request: Request) -> Pages:
    return request.app.state.pages  # type: ignore[no-any-return]


def asked(request: Request, form: Posted) -> tuple[dict[str, Any], FormErrors]:
    """The rights the form asks for, as the API takes them (a preset or a list), or what is
    missing: a choice, or at least one right when choosing one by one."""
    access = form.text("access")
    if access in access_words.PRESETS:
        return {"preset": access}, FormErrors()
    chosen = [str(value) for value in form.data.getlist("rights")]
    if access == CHOOSE and chosen:
        return {"rights": chosen}, FormErrors()
    missing = "rights" if access == CHOOSE else "access"
    return {}, FormErrors(fields={missing: gettext(request, FIELDS[missing])})


def _rights_context(request: Request, access: str, checked: list[str]) -> dict[str, Any]:
    presets = access_words.preset_choices(request)
    return {
        "access": access,
        "checked": checked,
        "access_choices": [*presets, (CHOOSE, gettext(request, N_("Let me choose")), "")],
        "right_choices": access_words.choices(request),
    }


def _explained(request: Request, problem: ApiProblem) -> FormErrors:
    fields = dict(FIELDS)
    if problem.code == "PROXY_INVITATION_INVALID" and "email" in problem.errors:
        fields["email"] = OWN_EMAIL
        explained = explain(request, problem, {**MESSAGES, problem.code: OWN_EMAIL}, fields)
    else:
        explained = explain(request, problem, MESSAGES, fields)
    if problem.code == "PROXY_ALREADY_ACTIVE":
        explained = FormErrors(explained.message, {"email": explained.message})
    shown = {k: v for k, v in explained.fields.items() if k in INVITE_FIELDS}
    return FormErrors(explained.message, shown)


async def _own_practice(request: Request, patient_id: str) -> str | ApiProblem:
    """The practice of the account's own record, or the refusal to show."""
    try:
        summary = (await call(request, "GET", f"/patient/records/{patient_id}")).body
    except ApiProblem as problem:
        if problem.status != 403:
            raise
        return problem
    if summary["acting_as"] != "self":
        return ApiProblem(403, "PATIENT_ONLY", "")
    return str(summary["practice_id"])


@router.get("/records/{patient_id}/proxies/invite")
async def invite_page(request: Request, patient_id: str) -> Response:
    practice = await _own_practice(request, patient_id)
    if isinstance(practice, ApiProblem):
        return await refused(request, patient_id, practice)
    return _invite_form(request, patient_id, {}, FormErrors(), secrets.token_urlsafe(16))


def _invite_form(
    request: Request,
    patient_id: str,
    values: dict[str, str],
    errors: FormErrors,
    attempt: str,
    *,
    checked: list[str] | None = None,
    status: int = 200,
) -> Response:
    return _pages(request).render(
        request,
        "proxy_invite.html",
        status=status,
        errors=errors,
        patient_id=patient_id,
        values=values,
        attempt=attempt,
        **_rights_context(request, values.get("access", ""), checked or []),
    )


@router.post("/records/{patient_id}/proxies/invite")
async def invite(request: Request, patient_id: str) -> Response:
    form = await posted(request)
    names = ("first_name", "last_name", "email", "relationship_label", "access")
    values = {name: form.text(name) for name in names}
    checked = [str(value) for value in form.data.getlist("rights")]
    attempt = form.text("attempt") or secrets.token_urlsafe(16)
    rights, unchosen = asked(request, form)
    missing = {
        name: gettext(request, FIELDS[name])
        for name in ("first_name", "last_name", "email")
        if not values[name]
    }
    if missing or unchosen:
        errors = FormErrors(fields={**missing, **unchosen.fields})
        return _invite_form(
            request, patient_id, values, errors, attempt, checked=checked, status=422
        )
    practice = await _own_practice(request, patient_id)
    if isinstance(practice, ApiProblem):
        return await refused(request, patient_id, practice)
    try:
        await call(
            request,
            "POST",
            "/patient/representatives",
            json={
                "first_name": values["first_name"],
                "last_name": values["last_name"],
                "email": values["email"],
                "relationship_label": values["relationship_label"] or None,
                "practice_id": practice,
                **rights,
            },
            headers={"Idempotency-Key": f"invite:{attempt}"},
        )
    except ApiProblem as problem:
        if problem.status == 403:
            return await refused(request, patient_id, problem)
        errors = _explained(request, problem)
        return _invite_form(
            request, patient_id, values, errors, attempt, checked=checked, status=problem.status
        )
    return RedirectResponse(f"{base(patient_id)}?done=invited", status_code=303)


@router.get("/records/{patient_id}/proxies/{relationship_id}/rights")
async def rights_page(request: Request, patient_id: str, relationship_id: str) -> Response:
    try:
        found = await one(request, patient_id, relationship_id)
    except ApiProblem as problem:
        if problem.status != 403:
            raise
        return await refused(request, patient_id, problem)
    if found is None or not found["open"]:
        return RedirectResponse(base(patient_id), status_code=303)
    return _rights_form(request, patient_id, found, CHOOSE, list(found["rights"]), FormErrors())


def _rights_form(
    request: Request,
    patient_id: str,
    relationship: dict[str, Any],
    access: str,
    checked: list[str],
    errors: FormErrors,
    status: int = 200,
) -> Response:
    return _pages(request).render(
        request,
        "proxy_rights.html",
        status=status,
        errors=errors,
        patient_id=patient_id,
        relationship=relationship,
        **_rights_context(request, access, checked),
    )


@router.post("/records/{patient_id}/proxies/{relationship_id}/rights")
async def change_rights(request: Request, patient_id: str, relationship_id: str) -> Response:
    form = await posted(request)
    checked = [str(value) for value in form.data.getlist("rights")]
    rights, errors = asked(request, form)
    status = 422
    path = f"/patient/records/{patient_id}/proxies/{relationship_id}/rights"
    try:
        if not errors:
            await call(request, "PUT", path, json=rights)
            return RedirectResponse(f"{base(patient_id)}?done=changed", status_code=303)
        found = await one(request, patient_id, relationship_id)
    except ApiProblem as problem:
        if problem.status == 403:
            return await refused(request, patient_id, problem)
        errors, status = _explained(request, problem), problem.status
        found = await one(request, patient_id, relationship_id)
    if found is None:
        return RedirectResponse(base(patient_id), status_code=303)
    return _rights_form(
        request, patient_id, found, form.text("access"), checked, errors, status=status
    )
