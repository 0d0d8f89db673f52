"""Identity RPCs of forgot username (I7): proto to use case and back."""

from __future__ import annotations

from datetime import timedelta

import grpc
from vestibule.identity.v1 import identity_pb2

from services.common.crypto import Keyring
from services.common.db import Database
from services.common.outbox import Outbox
from services.identity import forgot_username
from services.identity.linked_patients import LinkedPatients
from services.identity.settings import IdentitySettings


class ForgotUsernameRpcs:
    """A mixin of `IdentityServicer`, which supplies the attributes below."""

    _database: Database
    _outbox: Outbox
    _keyring: Keyring
    _settings: IdentitySettings
    _linked_patients: LinkedPatients

    def SendUsernameReminder(
        self, request: identity_pb2.SendUsernameReminderRequest, context: grpc.ServicerContext
    ) -> identity_pb2.SendUsernameReminderResponse:
        question = forgot_username.read_question(
            email=request.email, last_name=request.last_name, date_of_birth=request.date_of_birth
        )
        # Only queued: the answer's time is the same whether or not anything matches (X3).
        with self._database.transaction() as session:
            forgot_username.queue_question(session, outbox=self._outbox, question=question)
        return identity_pb2.SendUsernameReminderResponse(message=forgot_username.ANSWER)

    def send_username_reminders(self, payload: bytes) -> None:
        """The queued question's work (`forgot_username.REMINDER_JOB`), run by the outbox
        relay: find the accounts, ask enrollment, send the reminders."""
        question = forgot_username.queued_question(payload)
        with self._database.transaction() as session:
            candidates = forgot_username.find_candidates(session, question)
        # Outside any transaction: no row is locked while enrollment answers.
        confirmed: list[str] = []
        if question.date_of_birth is not None:
            confirmed = self._linked_patients.matching(
                account_ids=candidates.notified,
                last_name=question.last_name,
                date_of_birth=question.date_of_birth,
            )
        with self._database.transaction() as session:
            forgot_username.send_reminders(
                session,
                outbox=self._outbox,
                keyring=self._keyring,
                question=question,
                verified=candidates.verified,
                confirmed=confirmed,
                interval=timedelta(minutes=self._settings.username_reminder_minutes),
            )
