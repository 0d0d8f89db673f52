"""SMS providers: the interface delivery needs, and the local folder sink (the provider's
HTTP API is in `sms_api.py`)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Protocol

from services.common.db import utcnow
from services.notify.errors import DeliveryFailure


class SmsProvider(Protocol):
    """Sends one text message; raises DeliveryFailure saying whether a retry can help."""

    def send(self, *, to: str, body: str, reference: str) -> None:
        """`reference` is stable across retries; a provider that can de-duplicates by it."""


class FolderSmsProvider:
    """Writes each text message as `<reference>.json` ({to, body, sent_at}) into a folder, for
    local runs and tests. A retry overwrites the same file, so nothing arrives twice."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, *, to: str, body: str, reference: str) -> None:
        record = {"to": to, "body": body, "sent_at": utcnow().isoformat()}
        target = self.folder / f"{reference}.json"
        partial = target.with_suffix(".partial")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial.write_text(json.dumps(record, indent=2), encoding="utf-8")
            os.replace(partial, target)
        except OSError as error:
            raise DeliveryFailure(f"SMS folder: {type(error).__name__}", permanent=False) from None
