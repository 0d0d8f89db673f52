"""The activity on a patient's record in words a patient understands (X2): who acted, as the
API names them (never an internal ID), and what they did, by the audit action's name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from web.i18n import N_
from web.pages import gettext

ACTIONS = {
    "patient.add": N_("Added your record"),
    "patient.update": N_("Updated your details on file"),
    "patient.view": N_("Looked at your record"),
    "enrollment.enroll_now": N_("Invited you to the patient portal"),
    "enrollment.resend": N_("Sent your invitation to the patient portal again"),
    "enrollment.auto_invite.trigger": N_("Planned to invite you to the patient portal"),
    "enrollment.auto_invite.sent": N_("Invited you to the patient portal"),
    "enrollment.auto_invite.skipped": N_("Held back an invitation to the patient portal"),
    "enrollment.auto_invite.throttled": N_("Held back an invitation to the patient portal"),
    "enrollment.unenroll": N_("Closed your access to the patient portal"),
    "enrollment.reactivate": N_("Opened your access to the patient portal again"),
    "enrollment.patient.identity_check": N_("Checked your details to confirm who you are"),
    "enrollment.patient.account_information_check": N_(
        "Checked your details to confirm who you are"
    ),
    "invitation.decline": N_("Declined the invitation to the patient portal"),
    "invitation.defer": N_("Asked to be reminded about the invitation later"),
    "activation.verify": N_("Entered the ZIP code and date of birth from your invitation"),
    "activation.verify.failed": N_(
        "Entered a wrong ZIP code or date of birth with your invitation"
    ),
    "activation.complete": N_("Activated your portal account"),
    "activation.unlock": N_("Unlocked your invitation"),
    "registration.link": N_("Linked your portal account to your record"),
    "match_request.link": N_("Linked your portal account to your record"),
    "proxy.guardian.invite": N_("Invited a guardian to act for you"),
    "proxy.representative.invite": N_("Invited a trusted representative to act for you"),
    "proxy.invitation.resend": N_("Sent an invitation to act for you again"),
    "proxy.invitation.verify": N_(
        "Entered your ZIP code and date of birth to accept an invitation to act for you"
    ),
    "proxy.account.create": N_("Created a portal account to act for you"),
    "proxy.invitation.accept": N_("Accepted the invitation to act for you"),
    "proxy.access.denied": N_("Tried to open a part of your record they may not use"),
    "proxy.rights.update": N_("Changed what a guardian or representative may do for you"),
    "proxy.relationship.revoke": N_("Ended a guardian's or representative's access to your record"),
    "proxy.record_access.suspend": N_("Paused your guardians' and representatives' access"),
    "proxy.record_access.restore": N_("Restored your guardians' and representatives' access"),
    "proxy.age_out.notified": N_("Sent a notice that a guardian's access is ending"),
}
# A proxy's access, by the area of the right it used.
AREAS = {
    "health_records": N_("Opened your health records"),
    "messages": N_("Opened your messages"),
    "appointments": N_("Opened your appointments"),
    "billing": N_("Opened your bills"),
    "forms": N_("Opened your forms"),
}
OTHER_ACTION = N_("Did something else with your record")
OTHER_ACCESS = N_("Opened your record")
OUTCOMES = {"denied": N_("Refused"), "failed": N_("Did not succeed")}
NAMED = {
    "staff": N_("%(name)s, staff at %(practice)s"),
    "guardian": N_("Your guardian %(name)s"),
    "representative": N_("Your trusted representative %(name)s"),
}
UNNAMED = {
    "you": N_("You"),
    "staff": N_("A staff member at %(practice)s"),
    "guardian": N_("Your guardian"),
    "representative": N_("Your trusted representative"),
    "system": N_("The portal of %(practice)s, on its own"),
    "not_signed_in": N_("Someone who was not signed in"),
    "other_account": N_("Another portal account"),
}
YOUR_PRACTICE = N_("your practice")


def who(request: Request, entry: Mapping[str, Any]) -> str:
    """The actor of an activity entry, as the patient knows them."""
    kind, name = entry.get("actor_kind") or "other_account", entry.get("actor_name")
    practice = entry.get("practice_name") or gettext(request, YOUR_PRACTICE)
    if name and kind in NAMED:
        return gettext(request, NAMED[kind], name=name, practice=practice)
    # Formatting with a mapping ignores the names a wording does not use.
    return gettext(request, UNNAMED.get(kind, UNNAMED["other_account"]), practice=practice)


def what(request: Request, entry: Mapping[str, Any]) -> str:
    """What an activity entry did, in words."""
    if entry["action"] == "proxy.access":
        area = (entry.get("right") or "").partition(":")[0]
        return gettext(request, AREAS.get(area, OTHER_ACCESS))
    return gettext(request, ACTIONS.get(entry["action"], OTHER_ACTION))


def outcome(request: Request, entry: Mapping[str, Any]) -> str:
    """How it ended, when it did not succeed; empty otherwise."""
    return gettext(request, OUTCOMES[entry["outcome"]]) if entry["outcome"] in OUTCOMES else ""
