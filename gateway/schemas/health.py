"""The gateway's own liveness answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class Health(BaseModel):
    """The gateway process is alive."""

    status: Literal["ok"]
