"""The operators' commands, run as a platform engineer would, on a fresh data folder."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import TEST_SECRET_KEY


def run(*command: str, data_dir) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "VESTIBULE_DATA_DIR": str(data_dir),
        "VESTIBULE_SECRET_KEY": TEST_SECRET_KEY,
    }
    return subprocess.run(  # noqa: S603 - our own modules
        [sys.executable, "-m", *command],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_migrate_without_arguments_brings_every_database_to_head(tmp_path):
    answer = run("services.common.migrate", data_dir=tmp_path)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.count("database at head") == 4


# rule X2
def test_verify_without_arguments_checks_every_services_chain_X2(tmp_path):
    run("services.common.migrate", data_dir=tmp_path)
    answer = run("services.common.audit_api", "verify", data_dir=tmp_path)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.count("intact") == 4


def test_an_unknown_service_name_is_refused_with_the_known_ones(tmp_path):
    answer = run("services.common.migrate", "billing", data_dir=tmp_path)
    assert answer.returncode == 2
    assert "identity, enrollment, proxy, notify" in answer.stderr
