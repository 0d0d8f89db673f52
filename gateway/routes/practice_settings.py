"""The practice's settings route: enrollment settings (enrollment service), the patients'
sign-in policy (identity: the second-factor rule and the reset switches) and the age of
majority (proxy's age policy), read and changed as one document."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from google.protobuf.field_mask_pb2 import FieldMask
from vestibule.enrollment.v1 import enrollment_pb2
from vestibule.identity.v1 import identity_pb2
from vestibule.notify.v1 import notify_pb2
from vestibule.proxy.v1 import proxy_pb2

from gateway import convert, schemas
from gateway.auth import STAFF_PATH, Principal, signed_in_staff
from gateway.clients import Clients, clients
from gateway.routes.common import problem_responses
from gateway.schemas.practice_settings import DAYS

router = APIRouter(prefix=STAFF_PATH, tags=["practice settings"])

Services = Annotated[Clients, Depends(clients)]
Staff = Annotated[Principal, Depends(signed_in_staff)]
_SIGNED_IN = problem_responses(401, 403, 404)


def _document(
    settings: enrollment_pb2.PracticeSettings,
    policy: identity_pb2.PatientSignInPolicy,
    ages: proxy_pb2.AgePolicy,
) -> schemas.PracticeSettings:
    sign_in = convert.patient_sign_in_policy(policy)
    return schemas.PracticeSettings(
        time_zone=settings.time_zone,
        auto_invites_enabled=settings.auto_invites_enabled,
        auto_invite_hours=[
            schemas.OpeningHours(day=DAYS[w.day], opens=w.opens, closes=w.closes)  # type: ignore[arg-type]
            for w in settings.auto_invite_hours
        ],
        email_required=settings.email_required,
        invitation_lifetime_days=settings.invitation_lifetime_days,
        throttle_max_sends=settings.throttle_max_sends,
        throttle_window_days=settings.throttle_window_days,
        age_of_majority=ages.bands[-1].from_age,
        deferral_reminder_days=settings.deferral_reminder_days,
        second_factor=sign_in.second_factor,
        question_reset=sign_in.question_reset,
        account_information_reset=sign_in.account_information_reset,
        updated_at=convert.when(settings, "updated_at"),
        updated_by=settings.updated_by or None,
    )


def _ages(services: Clients, practice_id: str) -> proxy_pb2.AgePolicy:
    return services.proxy.GetAgePolicy(
        proxy_pb2.GetAgePolicyRequest(practice_id=practice_id)
    ).policy


def _policy(services: Clients, practice_id: str) -> identity_pb2.PatientSignInPolicy:
    return services.identity.GetPatientSignInPolicy(
        identity_pb2.GetPatientSignInPolicyRequest(practice_id=practice_id)
    ).policy


@router.get("/settings", responses=_SIGNED_IN)
def get_settings(staff: Staff, services: Services) -> schemas.PracticeSettings:
    """How the practice runs enrollment, and when its patients are asked for their
    authenticator code."""
    answer = services.enrollment.GetPracticeSettings(
        enrollment_pb2.GetPracticeSettingsRequest(practice_id=staff.practice_id)
    )
    return _document(
        answer.settings, _policy(services, staff.practice_id), _ages(services, staff.practice_id)
    )


@router.patch("/settings", responses=_SIGNED_IN)
def update_settings(
    body: schemas.PracticeSettingsUpdate, staff: Staff, services: Services
) -> schemas.PracticeSettings:
    """Changes the settings given; the others keep their values. Invalid values refuse the
    whole change with a problem naming each field. The enrollment settings are saved first,
    then the sign-in policy, then the age of majority (the last band of the age policy, P7);
    the change is safe to repeat if the answer is lost."""
    given = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    rule = given.pop("second_factor", None)
    switches = convert.reset_switches(given)
    given.pop("question_reset", None)
    given.pop("account_information_reset", None)
    majority = given.pop("age_of_majority", None)
    settings = enrollment_pb2.PracticeSettings(
        **{k: v for k, v in given.items() if k != "auto_invite_hours"}
    )
    for window in body.auto_invite_hours or []:
        settings.auto_invite_hours.add(
            day=DAYS.index(window.day), opens=window.opens, closes=window.closes
        )
    answer = services.enrollment.UpdatePracticeSettings(
        enrollment_pb2.UpdatePracticeSettingsRequest(
            practice_id=staff.practice_id,
            settings=settings,
            update_mask=FieldMask(paths=sorted(given)),
        )
    )
    if rule is not None or switches:
        policy = services.identity.SetPatientSignInPolicy(
            identity_pb2.SetPatientSignInPolicyRequest(
                practice_id=staff.practice_id,
                second_factor_rule=convert.SECOND_FACTOR_RULES[rule] if rule else 0,
                **switches,
            )
        ).policy
    else:
        policy = _policy(services, staff.practice_id)
    if majority is not None:
        ages = services.proxy.SetAgePolicy(
            proxy_pb2.SetAgePolicyRequest(practice_id=staff.practice_id, age_of_majority=majority)
        ).policy
    else:
        ages = _ages(services, staff.practice_id)
    return _document(answer.settings, policy, ages)


def _branding(message: notify_pb2.PracticeBranding) -> schemas.Branding:
    return schemas.Branding(
        display_name=message.display_name,
        contact_phone=message.contact_phone,
        logo_url=message.logo_url,
        updated_at=convert.when(message, "updated_at"),
        updated_by=message.updated_by or None,
    )


@router.get("/branding", responses=_SIGNED_IN)
def get_branding(staff: Staff, services: Services) -> schemas.Branding:
    """How the practice's emails look: name, phone and logo."""
    answer = services.notify.GetPracticeBranding(
        notify_pb2.GetPracticeBrandingRequest(practice_id=staff.practice_id)
    )
    return _branding(answer.branding)


@router.put("/branding", responses=_SIGNED_IN)
def set_branding(
    body: schemas.BrandingUpdate, staff: Staff, services: Services
) -> schemas.Branding:
    """Sets the name, phone and logo (an https link) of the practice's emails; every field is
    replaced, and an empty one falls back to the practice's own details. Messages accepted
    from now on carry it."""
    answer = services.notify.SetPracticeBranding(
        notify_pb2.SetPracticeBrandingRequest(
            practice_id=staff.practice_id,
            branding=notify_pb2.PracticeBranding(
                display_name=body.display_name,
                contact_phone=body.contact_phone,
                logo_url=body.logo_url,
            ),
        )
    )
    return _branding(answer.branding)
