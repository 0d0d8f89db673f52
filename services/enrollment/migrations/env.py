"""Alembic environment of the enrollment service."""

from services.common.migrate import run_env
from services.enrollment.models import Base

run_env(Base.metadata)
