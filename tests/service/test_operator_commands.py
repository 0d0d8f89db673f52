"""The operators' commands, run as a platform engineer would, on a fresh data folder."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest

from services.common.audit import audit_key_info
from services.common.db import Database
from services.common.migrate import SERVICES, upgrade
from services.common.settings import Settings
from tests.conftest import TEST_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]


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


@pytest.fixture
def audited_databases(database_url) -> dict[str, str]:
    """Every service's database on this test's backend, migrated, each with one audit record
    signed with the test key: the `VESTIBULE_<SERVICE>_DATABASE_URL` variables."""
    keyring = Settings(secret_key=TEST_SECRET_KEY).keyring()  # type: ignore[call-arg,arg-type]
    variables = {}
    for service in SERVICES:
        url = database_url(service)
        upgrade(service, url)
        database = Database(url, session_info=audit_key_info(keyring))
        with database.transaction() as session:
            import_module(f"services.{service}.audit").trail.record(session, "test", "test:1")
        database.dispose()
        variables[f"VESTIBULE_{service.upper()}_DATABASE_URL"] = url
    return variables


def as_a_person(*command: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """Runs `command` from the repository root as a person's shell would: the variables given,
    no PYTHONPATH (only the Makefile sets one) and no secret key unless given."""
    kept = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VESTIBULE_SECRET_KEY"}}
    return subprocess.run(  # noqa: S603 - our own commands
        command, cwd=ROOT, env=kept | variables, capture_output=True, text=True, check=False
    )


# rule X2
def test_the_readme_audit_check_runs_from_the_repository_root_X2(audited_databases, tmp_path):
    answer = as_a_person(
        sys.executable,
        "-m",
        "services.common.audit_api",
        "verify",
        VESTIBULE_DATA_DIR=str(tmp_path),
        VESTIBULE_SECRET_KEY=TEST_SECRET_KEY,
        **audited_databases,
    )
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.count("1 records, intact") == 4


# rule X2
def test_make_audit_verify_checks_with_the_data_folders_key_X2(audited_databases, tmp_path):
    (tmp_path / "secret.key").write_text(TEST_SECRET_KEY)
    answer = as_a_person(
        "make", "-s", "audit-verify", VESTIBULE_DATA_DIR=str(tmp_path), **audited_databases
    )
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.count("1 records, intact") == 4
