"""Alembic wiring shared by every service: each keeps its own history in `migrations/`.

python -m services.common.migrate                 # upgrade every service to head
python -m services.common.migrate identity        # one service
python -m services.common.migrate identity --revision "add sessions"   # new revision
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData

from services.common.db import UtcDateTime, create_database_engine
from services.common.settings import DEFAULT_PORTS, ServiceSettings, Settings

SERVICES = tuple(DEFAULT_PORTS)
SERVICES_DIR = Path(__file__).resolve().parent.parent


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
            context.run_migrations()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("services", nargs="*", type=service_name, metavar="SERVICE")
    parser.add_argument("--revision", metavar="MESSAGE", help="autogenerate a new revision")
    args = parser.parse_args()
    shared = Settings()  # type: ignore[call-arg]
    for service in args.services or SERVICES:
        url = ServiceSettings.for_service(service, shared).database_url
        if args.revision:
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
