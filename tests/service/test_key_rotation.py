"""A secret key rotation on a real database (X2): the audit chain verifies across the change of
key and refuses a record signed with the retired key after it; `reseal` moves every sealed value
to the new key, so the old one is no longer needed to read them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.common.audit import audit_key_info, chain_hash
from services.common.crypto import Keyring
from services.common.db import Database
from services.common.migrate import upgrade
from services.common.reseal import reseal
from services.notify.audit import trail
from services.notify.models import AuditChainHead, AuditRecord, CommunicationPreference
from tests.unit.test_keyring_rotation import NEW, OLD


@pytest.fixture
def url(database_url) -> str:
    url = database_url("notify")
    upgrade("notify", url)
    return url


def _record(url: str, keyring: Keyring, action: str) -> None:
    database = Database(url, session_info=audit_key_info(keyring))
    with database.transaction() as session:
        trail.record(session, action, "notification:1")
    database.dispose()


def _verify(url: str, keyring: Keyring):
    database = Database(url, session_info=audit_key_info(keyring))
    with database.transaction() as session:
        verdict = trail.verify(session)
    database.dispose()
    return verdict


# rule X2
def test_the_chain_verifies_across_a_key_rotation_X2(url):
    _record(url, Keyring(OLD), "before.rotation")
    _record(url, Keyring(NEW, [OLD]), "after.rotation")
    assert _verify(url, Keyring(NEW, [OLD])).intact


# rule X2
def test_a_record_signed_with_the_retired_key_after_the_rotation_is_refused_X2(url):
    _record(url, Keyring(OLD), "before.rotation")
    _record(url, Keyring(NEW, [OLD]), "after.rotation")
    # Someone holding the old key appends a record and moves the head along.
    database = Database(url, session_info=audit_key_info(Keyring(OLD)))
    with database.transaction() as session:
        head = session.get(AuditChainHead, 1)
        forged = AuditRecord(
            sequence=head.sequence + 1,
            actor="system",
            action="forged",
            target="x",
            outcome="success",
        )
        forged.occurred_at = session.scalars(select(AuditRecord.occurred_at)).first()
        forged.hash = chain_hash(Keyring(OLD).audit_key, head.hash, forged)
        head.sequence, head.hash = forged.sequence, forged.hash
        session.add(forged)
    database.dispose()
    verdict = _verify(url, Keyring(NEW, [OLD]))
    assert (verdict.intact, verdict.first_broken_sequence) == (False, 3)


def _emails_sealed_with(url: str, keyring: Keyring, count: int) -> Database:
    database = Database(url)
    with database.transaction() as session:
        for n in range(count):
            session.add(
                CommunicationPreference(
                    account_id=f"account-{n:04d}",
                    practice_id="practice-1",
                    method="both",
                    email=keyring.seal(f"person{n}@example.com".encode()),
                )
            )
    return database


def _emails(database: Database, keyring: Keyring) -> list[bytes]:
    with database.transaction() as session:
        sealed = session.scalars(select(CommunicationPreference.email)).all()
    return [keyring.unseal(value) for value in sealed]


def test_reseal_moves_every_sealed_value_to_the_new_key(url, monkeypatch):
    monkeypatch.setattr("services.common.reseal.BATCH", 2)  # several batches, composite keys
    database = _emails_sealed_with(url, Keyring(OLD), 5)
    outcome = reseal("notify", database, Keyring(NEW, [OLD]))
    assert (outcome.resealed, outcome.unreadable) == (5, 0)
    assert len(_emails(database, Keyring(NEW))) == 5  # the old key is no longer needed
    database.dispose()


def test_reseal_leaves_values_already_under_the_new_key_alone(url):
    database = _emails_sealed_with(url, Keyring(NEW), 2)
    assert reseal("notify", database, Keyring(NEW, [OLD])).resealed == 0
    database.dispose()


def test_reseal_counts_values_no_key_of_the_ring_opens(url):
    database = _emails_sealed_with(url, Keyring(OLD), 1)
    assert reseal("notify", database, Keyring(NEW)).unreadable == 1
    database.dispose()
