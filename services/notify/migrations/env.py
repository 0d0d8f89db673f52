"""Alembic environment of the notify service."""

from services.common.migrate import run_env
from services.notify.models import Base

run_env(Base.metadata)
