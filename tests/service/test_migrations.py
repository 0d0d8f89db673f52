"""Migrations run once per release, safely: concurrent upgrades of one database wait for each
other, and a replica's init step waits for the migration without running it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from services.common.migrate import pending_revisions, upgrade, wait_for_head


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_two_upgrades_at_once_both_finish_with_the_database_at_head(database_url):
    url = database_url("identity")
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "VESTIBULE_IDENTITY_DATABASE_URL": url,
    }
    command = [sys.executable, "-m", "services.common.migrate", "identity"]
    # Two processes, as two release jobs would be; without the lock one creates a table the
    # other is creating, and fails.
    runs = [
        subprocess.Popen(command, env=environment, stderr=subprocess.PIPE, text=True)  # noqa: S603
        for _ in range(2)
    ]
    failures = [run.communicate(timeout=120)[1] for run in runs if run.wait(timeout=120) != 0]
    assert failures == []
    assert pending_revisions("identity", url) == set()


def test_waiting_for_a_database_never_migrated_fails_naming_the_command(database_url):
    url = database_url("proxy")
    with pytest.raises(SystemExit) as failed:
        wait_for_head("proxy", url, seconds=0, poll=0)
    assert "python -m services.common.migrate proxy" in str(failed.value)
    assert pending_revisions("proxy", url) != set()  # waiting migrated nothing


def test_waiting_for_a_migrated_database_returns_at_once(database_url):
    url = database_url("notify")
    upgrade("notify", url)
    wait_for_head("notify", url, seconds=0, poll=0)
