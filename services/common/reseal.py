"""The last step of rotating a service's secret key: everything sealed with an earlier key is
sealed again with the current one, so nothing needs the earlier key to be read.

    VESTIBULE_SECRET_KEY=<new> VESTIBULE_SECRET_KEY_PREVIOUS=<old> \\
        python -m services.common.reseal identity

Every binary column of the service's tables holds sealed values (TOTP secrets, outbox
payloads, recipients). Safe to run while the service serves and to run again: a value already
sealed with the current key is left alone, and each batch is its own short transaction.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from importlib import import_module

from cryptography.fernet import InvalidToken
from sqlalchemy import LargeBinary, Table, select, tuple_, update

from services.common.crypto import Keyring
from services.common.db import Database
from services.common.migrate import SERVICES, service_name
from services.common.settings import ServiceSettings, Settings

BATCH = 500


@dataclass
class Resealed:
    """What a run did: values sealed again, and values no key of the ring could open."""

    resealed: int = 0
    unreadable: int = 0


def sealed_columns(service: str) -> list[tuple[Table, str]]:
    """Every (table, column) of the service that holds sealed values."""
    metadata = import_module(f"services.{service}.models").Base.metadata
    return [
        (table, column.name)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, LargeBinary)
    ]


def reseal(service: str, database: Database, keyring: Keyring) -> Resealed:
    """Seals again with the current key every value of `service` sealed with an earlier one."""
    outcome = Resealed()
    for table, name in sealed_columns(service):
        column, keys = table.c[name], list(table.primary_key.columns)
        last: tuple[object, ...] | None = None
        while True:
            with database.transaction() as session:
                query = select(*keys, column).where(column.is_not(None)).order_by(*keys)
                if last is not None:
                    query = query.where(tuple_(*keys) > tuple_(*last))
                rows = session.execute(query.limit(BATCH)).all()
                for *row_keys, sealed in rows:
                    try:
                        fresh = keyring.reseal(sealed)
                    except InvalidToken:
                        outcome.unreadable += 1
                        continue
                    if fresh is not None:
                        match = [key == value for key, value in zip(keys, row_keys, strict=True)]
                        session.execute(update(table).where(*match).values({name: fresh}))
                        outcome.resealed += 1
            if len(rows) < BATCH:
                break
            last = tuple(rows[-1][: len(keys)])
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("services", nargs="*", type=service_name, metavar="SERVICE")
    args = parser.parse_args()
    shared = Settings()  # type: ignore[call-arg]
    failed = False
    for service in args.services or SERVICES:
        url = ServiceSettings.for_service(service, shared).database_url
        database = Database(url)
        outcome = reseal(service, database, shared.keyring())
        database.dispose()
        print(f"{service}: {outcome.resealed} values sealed again with the current key")
        if outcome.unreadable:
            failed = True
            print(
                f"{service}: {outcome.unreadable} values no key opens; keep every earlier key "
                "in VESTIBULE_SECRET_KEY_PREVIOUS and run again",
                file=sys.stderr,
            )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
