"""Jobs a service queues for itself in its outbox (`Outbox.run_here`), on a real database on
SQLite and PostgreSQL: run by the relay after the transaction that queued them, under that
request's context, retried when they fail for now and ended when no retry can help (N5)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from vestibule.identity.v1 import identity_pb2

from services.common import context, errors
from services.common.crypto import Keyring
from services.common.db import Database
from services.common.migrate import upgrade
from services.common.outbox import Outbox
from services.identity.models import OutboxMessage
from tests.conftest import TEST_SECRET_KEY

JOB = "identity/test-job"


@pytest.fixture
def database(database_url) -> Iterator[Database]:
    url = database_url("identity")
    upgrade("identity", url)
    database = Database(url)
    yield database
    database.dispose()


def _outbox(handler) -> Outbox:
    outbox = Outbox(OutboxMessage, Keyring(TEST_SECRET_KEY), channels={})
    outbox.run_here(JOB, handler)
    return outbox


def _queue(database: Database, outbox: Outbox, login: str) -> None:
    asking = context.RequestContext("request-7", "anonymous", "203.0.113.9")
    with context.bound(asking), database.transaction() as session:
        outbox.enqueue(session, JOB, identity_pb2.RequestPasswordResetRequest(login=login))


def _message(database: Database) -> OutboxMessage:
    with database.transaction() as session:
        return session.scalars(select(OutboxMessage)).one()


# rule N5
def test_a_job_runs_under_the_context_it_was_queued_in_and_is_retried_until_done_N5(
    database, clock
):
    seen: list[tuple[str, str, str]] = []

    def handler(payload: bytes) -> None:
        request = identity_pb2.RequestPasswordResetRequest.FromString(payload)
        now = context.current()
        seen.append((request.login, now.request_id, now.client_address))
        if len(seen) == 1:
            raise errors.Unavailable("Enrollment is not answering.")

    outbox = _outbox(handler)
    _queue(database, outbox, "JaneDoe")
    assert outbox.relay_due(database) == 1
    failed = _message(database)
    assert (failed.delivered_at, failed.dead_at, failed.last_error) == (None, None, "UNAVAILABLE")
    clock.shift(timedelta(seconds=3))  # past the first backoff
    assert outbox.relay_due(database) == 1
    assert seen == [("JaneDoe", "request-7", "203.0.113.9")] * 2
    done = _message(database)
    assert done.delivered_at is not None
    assert done.payload is None


# rule N5
def test_a_job_that_no_retry_can_help_ends_at_once_N5(database):
    def handler(payload: bytes) -> None:
        raise errors.InvalidArgument("Fix the request.")

    outbox = _outbox(handler)
    _queue(database, outbox, "JaneDoe")
    outbox.relay_due(database)
    ended = _message(database)
    assert ended.dead_at is not None
    assert ended.last_error == f"{JOB} INVALID_ARGUMENT"
