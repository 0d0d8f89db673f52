"""The audit chain check command (X2), for operators and `make audit-verify`:

    python -m services.common.audit_api verify            # every service's database
    python -m services.common.audit_api verify identity   # one

It prints each chain's state and exits non-zero if any is broken. It reads the databases
directly and needs no generated gRPC code, so it runs from the repository root with the
virtualenv's python alone; the AuditService that every service serves is in audit_servicer.py.
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module

from services.common.audit import AuditTrail, audit_key_info
from services.common.db import Database
from services.common.migrate import SERVICES, service_name
from services.common.settings import ServiceSettings, Settings


def main() -> None:
    parser = argparse.ArgumentParser(description="Checks the audit hash chains.")
    parser.add_argument("command", choices=["verify"])
    parser.add_argument("services", nargs="*", type=service_name, metavar="SERVICE")
    args = parser.parse_args()
    shared = Settings()  # type: ignore[call-arg]
    try:
        keyring = shared.keyring()
    except ValueError as error:  # no key: say which setting, in one line
        sys.exit(str(error))
    broken = False
    for service in args.services or SERVICES:
        trail: AuditTrail = import_module(f"services.{service}.audit").trail
        url = ServiceSettings.for_service(service, shared).database_url
        database = Database(url, session_info=audit_key_info(keyring))
        with database.transaction() as session:
            verdict = trail.verify(session)
        database.dispose()
        state = (
            "intact"
            if verdict.intact
            else f"BROKEN at {verdict.first_broken_sequence}: {verdict.problem}"
        )
        print(f"{service}: {verdict.records} records, {state}")
        broken |= not verdict.intact
    sys.exit(1 if broken else 0)


if __name__ == "__main__":
    main()
