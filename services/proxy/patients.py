"""The enrollment service as proxy sees it: a patient record's facts and its practice's time
zone, asked over gRPC (proxy never reads enrollment's tables)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date

import grpc
from vestibule.enrollment.v1 import enrollment_pb2, enrollment_pb2_grpc

from services.common.clients import domain_error_from_rpc

TIME_ZONE_TTL_SECONDS = 300.0
DEFAULT_TIME_ZONE = "America/Chicago"


@dataclass(frozen=True)
class PatientRecord:
    """What proxy needs of a record: its practice, its own account, its date of birth, and
    whom to tell (the age-out notice, P7)."""

    patient_id: str
    practice_id: str
    account_id: str
    date_of_birth: date | None
    first_name: str
    # For identifying the patient from an invitation (P1, P3) and refusing a self-invitation.
    zip_code: str = ""
    email: str = ""


@dataclass(frozen=True)
class PracticeContact:
    """How a message names the practice (its branding in notify may replace both)."""

    name: str
    phone: str


class Patients:
    """Asks enrollment; the practice's time zone is kept a few minutes, since age rules read it
    on every access check."""

    def __init__(self, channel: grpc.Channel) -> None:
        self._stub = enrollment_pb2_grpc.EnrollmentServiceStub(channel)
        self._zones: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def record(self, *, practice_id: str, patient_id: str) -> PatientRecord:
        """The record, or the enrollment service's NOT_FOUND as a domain error."""
        try:
            patient = self._stub.GetPatient(
                enrollment_pb2.GetPatientRequest(practice_id=practice_id, patient_id=patient_id)
            ).patient
        except grpc.RpcError as error:
            raise domain_error_from_rpc(error) from None
        born = patient.demographics.date_of_birth
        return PatientRecord(
            patient.patient_id,
            patient.practice_id,
            patient.account_id,
            date.fromisoformat(born) if born else None,
            patient.demographics.first_name,
            patient.demographics.zip_code,
            patient.demographics.email,
        )

    def practice(self, practice_id: str) -> PracticeContact:
        """The practice's name and phone, or enrollment's NOT_FOUND as a domain error."""
        try:
            practice = self._stub.GetPractice(
                enrollment_pb2.GetPracticeRequest(practice_id=practice_id)
            ).practice
        except grpc.RpcError as error:
            raise domain_error_from_rpc(error) from None
        return PracticeContact(practice.name, practice.contact_phone)

    def time_zone(self, practice_id: str) -> str:
        """The practice's IANA time zone, from its enrollment settings."""
        now = time.monotonic()
        with self._lock:
            cached = self._zones.get(practice_id)
        if cached and now - cached[0] < TIME_ZONE_TTL_SECONDS:
            return cached[1]
        try:
            zone = self._stub.GetPracticeSettings(
                enrollment_pb2.GetPracticeSettingsRequest(practice_id=practice_id)
            ).settings.time_zone
        except grpc.RpcError as error:
            raise domain_error_from_rpc(error) from None
        zone = zone or DEFAULT_TIME_ZONE
        with self._lock:
            self._zones[practice_id] = (now, zone)
        return zone
