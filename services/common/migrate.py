"""Alembic wiring shared by every service: each keeps its own history in `migrations/`.

python -m services.common.migrate                 # upgrade every service to head
python -m services.common.migrate identity        # one service
python -m services.common.migrate identity --wait 300   # wait until migrated, change nothing
python -m services.common.migrate identity --revision "add sessions"   # new revision

On PostgreSQL an upgrade holds an advisory lock for its whole transaction, so several at once
(two release jobs, a job and an operator) run one after the other and the later ones find the
database at head. `--wait` is for a replica's init step: it never migrates, so replicas start
only once the release's migration job is done.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text

from services.common.db import UtcDateTime, create_database_engine
from services.common.settings import DEFAULT_PORTS, ServiceSettings, Settings

SERVICES = tuple(DEFAULT_PORTS)
SERVICES_DIR = Path(__file__).resolve().parent.parent
# Any constant works: each service has a database of its own, and only migrations take it.
MIGRATION_LOCK = 7_311_052_017


def service_name(value: str) -> str:
    """An argparse type: one of the services' names."""
    if value not in SERVICES:
        raise argparse.ArgumentTypeError(f"{value!r} is not one of {', '.join(SERVICES)}")
    return value


def alembic_config(service: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(service: str, database_url: str) -> None:
    """Brings `service`'s database at `database_url` to the newest revision."""
    # "heads": work done in parallel may add sibling revisions until a merge revision joins them.
    command.upgrade(alembic_config(service, database_url), "heads")


def pending_revisions(service: str, database_url: str) -> set[str]:
    """The newest revisions `service`'s database does not have yet (empty when at head)."""
    heads = set(ScriptDirectory.from_config(alembic_config(service, database_url)).get_heads())
    engine = create_database_engine(database_url)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    return heads - current


def wait_for_head(service: str, database_url: str, *, seconds: float, poll: float = 2.0) -> None:
    """Returns once `service`'s database is at the newest revision; SystemExit after `seconds`.
    Migrates nothing. A database that cannot be reached yet counts as not migrated."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            pending = pending_revisions(service, database_url)
        except Exception as error:  # not reachable yet: the database may still be starting
            pending = {f"(database not reachable: {type(error).__name__})"}
        if not pending:
            return
        if time.monotonic() >= deadline:
            raise SystemExit(
                f"{service}: the database is not at the newest revision after {seconds:g} s "
                f"(missing {', '.join(sorted(pending))}). Run the release's migration: "
                f"python -m services.common.migrate {service}"
            )
        time.sleep(poll)


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's `migrations/env.py`: runs migrations online."""
    engine = create_database_engine(context.config.attributes["database_url"])
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,  # SQLite alters tables by copying them
            compare_type=True,
            render_item=_render_item,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Released when the transaction ends; a second upgrade waits here, then finds
                # the version table at head.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            context.run_migrations()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("services", nargs="*", type=service_name, metavar="SERVICE")
    parser.add_argument("--revision", metavar="MESSAGE", help="autogenerate a new revision")
    parser.add_argument(
        "--wait",
        type=float,
        metavar="SECONDS",
        help="migrate nothing; wait until the database is at the newest revision",
    )
    args = parser.parse_args()
    shared = Settings()  # type: ignore[call-arg]
    for service in args.services or SERVICES:
        url = ServiceSettings.for_service(service, shared).database_url
        if args.wait is not None:
            wait_for_head(service, url, seconds=args.wait)
            print(f"{service}: database at head")
        elif args.revision:
            versions = SERVICES_DIR / service / "migrations" / "versions"
            taken = [int(path.name[:4]) for path in versions.glob("[0-9][0-9][0-9][0-9]*.py")]
            number = f"{max(taken, default=0) + 1:04d}"
            config = alembic_config(service, url)
            command.revision(config, message=args.revision, autogenerate=True, rev_id=number)
        else:
            upgrade(service, url)
            print(f"{service}: database at head")


if __name__ == "__main__":
    main()
