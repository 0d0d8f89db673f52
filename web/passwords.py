"""The password checklist (I2): the practice's requirements, each shown as not met until the
person types a password that meets it; `password-checklist.js` asks the API again as they
type, and the form works without it. Each requirement is worded here, by its name, so it
reads in the person's language."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from web.api import Api
from web.i18n import N_
from web.pages import gettext

WORDING = {
    "min_length": N_("At least %(limit)s characters"),
    "max_length": N_("At most %(limit)s characters"),
    "not_common": N_("Not a commonly used password"),
    "not_username": N_("Does not contain your username"),
    "mixed_case": N_("Upper- and lower-case letters"),
    "digit": N_("At least one digit"),
    "symbol": N_("At least one character that is not a letter or a digit"),
}


@dataclass(frozen=True)
class Requirement:
    name: str
    text: str
    met: bool


async def checklist(
    request: Request, *, password: str = "", username: str = "", practice_id: str = ""
) -> list[Requirement]:
    """The practice's requirements as they stand for `password` (all unmet for none)."""
    api: Api = request.app.state.api
    answer = await api.call(
        request,
        "POST",
        "/patient/password-check",
        json={
            "password": password or " ",
            "username": username or None,
            "practice_id": practice_id or None,
        },
    )
    return [
        Requirement(
            item["name"],
            gettext(request, WORDING[item["name"]], limit=str(item.get("limit") or ""))
            if item["name"] in WORDING
            else item["description"],
            bool(item["met"]) and password.strip() != "",
        )
        for item in answer.body["requirements"]
    ]
