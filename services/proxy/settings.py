"""Proxy service settings of its own (environment variables `VESTIBULE_PROXY_*`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ProxySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VESTIBULE_PROXY_", frozen=True, extra="ignore")

    # P7: how often the age-out job looks for notices due; each is sent once however often.
    age_out_interval_seconds: float = Field(3600.0, gt=0)
