"""A practice's enrollment settings over real gRPC on SQLite and PostgreSQL: defaults, partial
changes, refusals that name the field and change nothing, and the invitation lifetime."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from sqlalchemy import select
from vestibule.enrollment.v1 import enrollment_pb2 as pb
from vestibule.enrollment.v1 import enrollment_pb2_grpc

from services.enrollment.models import AuditRecord, Invitation
from services.enrollment.server import create_server
from tests.service.enrollment_helpers import add_patient, create_practice, key
from tests.service.test_identity_support import field_violations


@pytest.fixture
def enrollment(start_service, shared_settings):
    return start_service("enrollment", create_server, shared_settings)


@pytest.fixture
def stub(enrollment):
    with grpc.insecure_channel(enrollment.address) as channel:
        yield enrollment_pb2_grpc.EnrollmentServiceStub(channel)


@pytest.fixture
def practice(stub):
    return create_practice(stub)


def _settings(stub, practice) -> pb.PracticeSettings:
    request = pb.GetPracticeSettingsRequest(practice_id=practice.practice_id)
    return stub.GetPracticeSettings(request, timeout=5).settings


def _update(stub, practice, **values) -> pb.PracticeSettings:
    hours = values.pop("auto_invite_hours", None)
    settings = pb.PracticeSettings(**values)
    paths = sorted(values)
    if hours is not None:
        settings.auto_invite_hours.extend(pb.OpeningHours(**w) for w in hours)
        paths.append("auto_invite_hours")
    request = pb.UpdatePracticeSettingsRequest(
        practice_id=practice.practice_id, settings=settings, update_mask=FieldMask(paths=paths)
    )
    return stub.UpdatePracticeSettings(request, timeout=5).settings


def _refused(stub, practice, **values) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        _update(stub, practice, **values)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    return raised.value


# rule E6, E7
def test_a_new_practice_starts_with_auto_invites_off_and_the_default_throttle_E6_E7(stub, practice):
    settings = _settings(stub, practice)
    assert settings.auto_invites_enabled is False
    assert [(w.day, w.opens, w.closes) for w in settings.auto_invite_hours] == [
        (day, "08:00", "17:00") for day in range(5)
    ]
    assert (settings.throttle_max_sends, settings.throttle_window_days) == (4, 30)
    assert (settings.invitation_lifetime_days, settings.age_of_majority) == (30, 18)


# rule E11
def test_the_reminder_after_a_deferral_waits_14_days_until_the_practice_sets_it_E11(stub, practice):
    assert _settings(stub, practice).deferral_reminder_days == 14
    assert _update(stub, practice, deferral_reminder_days=7).deferral_reminder_days == 7
    for days in (0, 91):
        error = _refused(stub, practice, deferral_reminder_days=days)
        assert set(field_violations(error)) == {"deferral_reminder_days"}
    assert _settings(stub, practice).deferral_reminder_days == 7


# rule E6, X2
def test_a_change_keeps_the_other_settings_and_is_audited_E6_X2(enrollment, stub, practice):
    changed = _update(
        stub,
        practice,
        auto_invites_enabled=True,
        auto_invite_hours=[{"day": 5, "opens": "09:00", "closes": "12:00"}],
    )
    assert changed.auto_invites_enabled is True
    assert [(w.day, w.opens, w.closes) for w in changed.auto_invite_hours] == [
        (5, "09:00", "12:00")
    ]
    assert changed.time_zone == "America/Chicago" and changed.throttle_max_sends == 4
    with enrollment.database.transaction() as session:
        record = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "practice.settings.update")
        ).one()
    assert record.details == {"changed": "auto_invite_hours,auto_invites_enabled"}


# rule E6
def test_an_unknown_time_zone_is_refused_by_name_and_nothing_changes_E6(stub, practice):
    error = _refused(stub, practice, time_zone="Mars/Olympus", throttle_max_sends=6)
    assert set(field_violations(error)) == {"time_zone"}
    assert _settings(stub, practice).throttle_max_sends == 4


# rule E6
def test_closing_before_opening_is_refused_by_name_E6(stub, practice):
    error = _refused(
        stub, practice, auto_invite_hours=[{"day": 0, "opens": "17:00", "closes": "08:00"}]
    )
    assert "Monday closes at 08:00" in field_violations(error)["auto_invite_hours"]


# rule E6
def test_going_live_needs_opening_hours_E6(stub, practice):
    error = _refused(stub, practice, auto_invites_enabled=True, auto_invite_hours=[])
    assert "auto_invite_hours" in field_violations(error)


# rule E7
def test_a_throttle_out_of_range_is_refused_by_name_E7(stub, practice):
    error = _refused(stub, practice, throttle_max_sends=0, throttle_window_days=365)
    assert set(field_violations(error)) == {"throttle_max_sends", "throttle_window_days"}


# rule E10
def test_the_practices_invitation_lifetime_sets_when_the_next_invitation_expires_E10(
    enrollment, stub, practice
):
    _update(stub, practice, invitation_lifetime_days=7)
    patient = add_patient(stub, practice.practice_id)
    stub.EnrollNow(
        pb.EnrollNowRequest(
            idempotency_key=key(), practice_id=practice.practice_id, patient_id=patient.patient_id
        ),
        timeout=5,
    )
    with enrollment.database.transaction() as session:
        invitation = session.scalars(select(Invitation)).one()
    assert invitation.expires_at - invitation.sent_at == timedelta(days=7)
