"""Patient sessions over real gRPC: ending them all, idle timeout, listing (I8, I10)."""

from __future__ import annotations

import pytest

from services.common.crypto import token_hash
from services.identity import sessions
from services.identity.domain import PrincipalKind
from tests.service.test_account_security_support import active_account, resolves, sign_in


@pytest.fixture
def account_id(stub, notify) -> str:
    return active_account(stub, notify)


# rule I10
def test_password_change_hook_ends_every_other_session_I10(identity, stub, account_id):
    kept, other, third = (sign_in(stub).session_token for _ in range(3))
    with identity.database.transaction() as session:
        ended = sessions.end_all_for(
            session,
            kind=PrincipalKind.ACCOUNT,
            principal_id=account_id,
            except_token_hash=token_hash(kept),
        )
    assert ended == 2
    assert [resolves(stub, t) for t in (kept, other, third)] == [True, False, False]
    with identity.database.transaction() as session:
        sessions.end_all_for(session, kind=PrincipalKind.ACCOUNT, principal_id=account_id)
    assert not resolves(stub, kept)


# rule I10
def test_ending_sessions_of_an_account_without_any_is_harmless_I10(identity, account_id):
    with identity.database.transaction() as session:
        ended = sessions.end_all_for(session, kind=PrincipalKind.ACCOUNT, principal_id=account_id)
    assert ended == 0
