"""Proxy access in a person's words (P4, P5, P7): each right the API names ("messages:act")
as what it lets someone do, how a proxy stands to the patient, where a relationship stands,
and the record categories kept from a guardian of an adolescent. A name the pages do not know
yet is shown as the API gives it, never dropped."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import Request

from web.i18n import N_
from web.pages import gettext

# In the order the pages list them: by area, seeing before acting.
RIGHTS = {
    "health_records:view": N_("See health records"),
    "health_records:act": N_("See and manage health records"),
    "messages:view": N_("Read messages"),
    "messages:act": N_("Read and send messages"),
    "appointments:view": N_("See appointments"),
    "appointments:act": N_("See, book and cancel appointments"),
    "billing:view": N_("See bills"),
    "billing:act": N_("See and pay bills"),
    "forms:view": N_("See forms"),
    "forms:act": N_("See and fill in forms"),
}
PRESETS = {
    "full": N_("Everything: see and act in every area"),
    "view_only": N_("See only: see every area, but change nothing"),
}
CATEGORIES = {
    "sexual_health": N_("Sexual health"),
    "mental_health": N_("Mental health"),
    "substance_use": N_("Substance use"),
}
STATUSES = {
    "invited": N_("Invited: has not accepted yet"),
    "active": N_("Can act for you"),
    "revoked": N_("Access ended"),
    "expired": N_("Access ended"),
    "suspended": N_("Paused by your practice"),
}


def rights(request: Request, names: Iterable[str]) -> list[str]:
    """What `names` let a proxy do, in the RIGHTS order, in the request's language."""
    given = set(names)
    known = [gettext(request, text) for name, text in RIGHTS.items() if name in given]
    return known + sorted(given - set(RIGHTS))


def categories(request: Request, names: Iterable[str]) -> list[str]:
    return [gettext(request, CATEGORIES[n]) if n in CATEGORIES else n for n in names]


def status(request: Request, name: str) -> str:
    return gettext(request, STATUSES[name]) if name in STATUSES else name


def choices(request: Request) -> list[tuple[str, str, str]]:
    """Every right as a checkbox's value, label and (no) hint."""
    return [(name, gettext(request, text), "") for name, text in RIGHTS.items()]


def preset_choices(request: Request) -> list[tuple[str, str, str]]:
    """Each preset as a radio's value, label and (no) hint."""
    return [(name, gettext(request, text), "") for name, text in PRESETS.items()]
