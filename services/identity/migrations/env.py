"""Alembic environment of the identity service."""

from services.common.migrate import run_env
from services.identity.models import Base

run_env(Base.metadata)
