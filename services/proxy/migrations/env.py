"""Alembic environment of the proxy service."""

from services.common.migrate import run_env
from services.proxy.models import Base

run_env(Base.metadata)
