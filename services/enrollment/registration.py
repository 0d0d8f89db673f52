"""Self-registration use cases (E12): from the logon page to an active account, linked to the
practice's record only when the demographics match exactly one record that can take it;
otherwise the practice gets a match request. No answer tells the two apart. Each takes a
session and only flushes, but the steps that call identity over gRPC, which take the database
and run short transactions around the call."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.common import context
from services.common.db import Database, utcnow
from services.common.errors import FieldViolation
from services.common.outbox import Outbox
from services.enrollment import demographics, domain, errors, repository, tickets
from services.enrollment.accounts import Registration
from services.enrollment.audit import record_patient_action, trail
from services.enrollment.invitations import end_open_invitations
from services.enrollment.models import MatchRequest, Patient, Practice, SelfRegistration
from services.enrollment.settings import EnrollmentSettings

# An unfinished self-registration's demographics are deleted this long after its ticket ended.
KEEP_ABANDONED = timedelta(days=1)
PURGE_BATCH = 200

# The patient information a self-registration needs, all of it.
PATIENT_INFORMATION = ("first_name", "last_name", "date_of_birth", "zip_code")


class RegistrationUseCases:
    def __init__(
        self, *, settings: EnrollmentSettings, accounts: tickets.Accounts, outbox: Outbox
    ) -> None:
        self._settings = settings
        self._accounts = accounts
        self._outbox = outbox

    def start(
        self, session: Session, *, practice_id: str, information: dict[str, str]
    ) -> tuple[str, Practice]:
        """Keeps the patient information (checked as staff entries are) and answers a ticket.
        Nothing is matched before the account is active, so the answer is the same whatever
        the practice's records hold."""
        practice = session.get(Practice, practice_id) if practice_id else None
        if practice is None:
            raise errors.PracticeNotFound(
                "No such practice. Choose your practice again from the sign-in page."
            )
        clean = _patient_information(information)
        registration = SelfRegistration(practice_id=practice.id, **clean)
        ticket = tickets.issue(registration, minutes=self._settings.activation_ticket_minutes)
        session.add(registration)
        session.flush()
        self._audit(session, "registration.start", registration)
        return ticket, practice

    def submit_security_details(
        self,
        database: Database,
        *,
        ticket: str,
        username: str,
        password: str,
        email: str,
        cell_phone: str,
    ) -> Registration:
        """Registers the pending account through identity, which sends the code by email, or
        by SMS when no email is given. Runs its own short transactions, none open while
        identity works (see `tickets.register`)."""
        # A US number may come without its country code, as staff may enter it.
        phone, violations = demographics.normalize(
            {"cell_phone": cell_phone}, today=utcnow().date()
        )
        if violations:
            raise errors.InvalidDemographics("Check the cell phone number.", violations=violations)

        def ask(session: Session, registration: SelfRegistration) -> tickets.AccountRequest:
            return tickets.AccountRequest(
                idempotency_key=f"registration:{registration.id}",
                practice_id=registration.practice_id,
                email=email.strip(),
                cell_phone=str(phone["cell_phone"] or ""),
                pending_until=registration.expires_at,  # the registration's end (E12)
            )

        return tickets.register(
            database,
            self._accounts,
            lambda session: self._open(session, ticket),
            ask,
            username=username,
            password=password,
            recorded=lambda session, row: self._audit(
                session, "registration.security_details", row
            ),
        )

    def resend_code(self, database: Database, *, ticket: str) -> Registration:
        """A new code for the account being registered; the older one stops working."""
        return tickets.resend_code(
            database,
            self._accounts,
            lambda session: self._open(session, ticket),
            recorded=lambda session, row: self._audit(session, "registration.resend_code", row),
        )

    def complete(self, database: Database, *, ticket: str, code: str) -> tuple[str, Practice]:
        """Confirms the code; then links the account to the one matching record, or leaves
        the practice a match request. The answer is the same either way, and again on a
        retry after success. Identity confirms the code between two short transactions."""
        with database.transaction() as session:
            if (done := _completed(session, ticket)) is not None:
                return done
            account_id = tickets.account_of(
                self._open(session, ticket),
                "Choose your username and password first; then enter the code we send you.",
            )
        self._accounts.verify(account_id=account_id, code=code)
        with database.transaction() as session:
            if (done := _completed(session, ticket)) is not None:
                return done  # completed at the same time by a retry of this step
            registration = self._open(session, ticket)
            registration.completed_at = utcnow()
            patient = _record_to_link(session, registration)
            if patient is not None:
                tickets.enroll(session, patient, account_id, "self-registered")
                # The patient is enrolled now: no invitation of theirs should still look open.
                end_open_invitations(session, self._outbox, patient)
                registration.patient_id = patient.id
                session.flush()
                record_patient_action(
                    session, "registration.link", patient, registration_id=registration.id
                )
            else:
                request = MatchRequest(
                    practice_id=registration.practice_id,
                    registration_id=registration.id,
                    account_id=account_id,
                )
                session.add(request)
                session.flush()
                self._audit(session, "registration.match_request", registration, request.id)
            return account_id, registration.practice

    def match_requests(
        self, session: Session, *, practice_id: str, limit: int
    ) -> list[MatchRequest]:
        """The practice's open match requests, newest first. They hold PHI: the read is
        audited with how many came back."""
        if session.get(Practice, practice_id) is None:
            raise errors.PracticeNotFound("No such practice.")
        requests = list(repository.open_match_requests(session, practice_id, limit))
        trail.record(
            session,
            "match_request.list",
            f"practice:{practice_id}",
            practice_id=practice_id,
            details={"results": str(len(requests))},
        )
        return requests

    def link_match_request(
        self, session: Session, *, practice_id: str, match_request_id: str, patient_id: str
    ) -> Patient:
        """Staff link the request's account to the record they found: it becomes ENROLLED
        with who and why, and the request closes. Again for the same record, the same."""
        request = repository.match_request_of_practice(
            session, practice_id=practice_id, match_request_id=match_request_id
        )
        if request is None:
            raise errors.MatchRequestNotFound()
        patient = repository.patient_of_practice(
            session, practice_id=practice_id, patient_id=patient_id, for_update=True
        )
        if patient is None:
            raise errors.PatientNotFound("No such patient at this practice.")
        if request.resolved_at is not None:
            if request.patient_id == patient.id:
                return patient
            raise errors.MatchRequestClosed()
        status = domain.Status(patient.status)
        if not domain.linkable_by_self_registration(
            status, has_account=patient.account_id is not None
        ):
            raise errors.StatusDoesNotAllow(
                "Only a record without an account, and not unenrolled, can be linked; this "
                f"patient is {status.value}. Check that this is the patient's record."
            )
        actor = context.current().actor
        tickets.enroll(session, patient, request.account_id, "matched by the practice", actor=actor)
        end_open_invitations(session, self._outbox, patient)
        request.resolved_at, request.resolved_by, request.patient_id = utcnow(), actor, patient.id
        session.flush()
        record_patient_action(session, "match_request.link", patient, match_request_id=request.id)
        return patient

    @staticmethod
    def _open(session: Session, ticket: str) -> SelfRegistration:
        registration = tickets.find(session, SelfRegistration, ticket)
        if registration is None or not tickets.usable(registration):
            raise errors.RegistrationTicketNotValid()
        return registration

    @staticmethod
    def _audit(
        session: Session, action: str, registration: SelfRegistration, match_request: str = ""
    ) -> None:
        """Records a step on the registration: IDs only, never what the patient typed."""
        details = {"account_id": registration.account_id or ""}
        if match_request:
            details["match_request_id"] = match_request
        trail.record(
            session,
            action,
            f"registration:{registration.id}",
            practice_id=registration.practice_id,
            details={k: v for k, v in details.items() if v},
        )


def _completed(session: Session, ticket: str) -> tuple[str, Practice] | None:
    """The answer of a ticket's completed registration, or None."""
    registration = tickets.find(session, SelfRegistration, ticket)
    if registration is None or registration.completed_at is None:
        return None
    return registration.account_id or "", registration.practice


def _patient_information(information: dict[str, str]) -> dict[str, object]:
    """The clean patient information; every field is required, and each one missing or wrong
    is named."""
    clean, violations = demographics.normalize(
        {name: information.get(name, "") for name in PATIENT_INFORMATION}, today=utcnow().date()
    )
    violations += [
        FieldViolation(name, f"{domain.FIELD_LABELS[name]} is required.")
        for name in PATIENT_INFORMATION
        if name in clean and clean[name] is None
    ]
    if violations:
        raise errors.InvalidDemographics(
            "Some of your details are missing or not valid; correct the fields listed.",
            violations=sorted(violations, key=lambda v: PATIENT_INFORMATION.index(v.field)),
        )
    return clean


def _record_to_link(session: Session, registration: SelfRegistration) -> Patient | None:
    """The practice's one record matching the registration (E12), when it can take the
    account; None when none or several match, or the one that does cannot. The candidates
    are locked, so two registrations cannot both take the same record."""
    given = domain.Demographics(
        first_name=registration.first_name,
        last_name=registration.last_name,
        date_of_birth=registration.date_of_birth,
        zip_code=registration.zip_code,
    )
    matches = [
        patient
        for patient in repository.patients_born_on(
            session, practice_id=registration.practice_id, date_of_birth=registration.date_of_birth
        )
        if domain.same_person(demographics.demographics_of(patient), given)
    ]
    if len(matches) != 1:
        return None
    [patient] = matches
    linkable = domain.linkable_by_self_registration(
        domain.Status(patient.status), has_account=patient.account_id is not None
    )
    return patient if linkable else None


def purge_abandoned(database: Database) -> int:
    """Deletes a batch of self-registrations never finished, a day after their ticket ended, so
    the demographics typed in are not kept (X1); returns how many, so a worker runs again at
    once while there are more. The pending identity account, never activated, holds no PHI."""
    with database.transaction() as session:
        ids = session.scalars(
            select(SelfRegistration.id)
            .where(
                SelfRegistration.completed_at.is_(None),
                SelfRegistration.expires_at < utcnow() - KEEP_ABANDONED,
            )
            .limit(PURGE_BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        if ids:
            session.execute(delete(SelfRegistration).where(SelfRegistration.id.in_(ids)))
            trail.record(
                session,
                "registration.purge",
                "self_registrations",
                details={"deleted": str(len(ids))},
            )
    return len(ids)
