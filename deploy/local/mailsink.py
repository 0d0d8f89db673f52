"""The local SMTP sink: a real SMTP server that keeps every message as a .eml file.

python -m deploy.local.mailsink serve [--folder F] [--port 8025]
python -m deploy.local.mailsink list [--folder F]
python -m deploy.local.mailsink show FILE [--folder F]
python -m deploy.local.mailsink token [--folder F]   # the newest invitation link's token
python -m deploy.local.mailsink code [--folder F]    # the newest verification code
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import socket
import threading
import uuid
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from services.common.settings import Settings

# What `token` and `code` pick out of the newest message that has one.
PATTERNS = {
    "token": re.compile(r"[#?&]token=([A-Za-z0-9_-]+)"),
    "code": re.compile(r"verification code is (\d+)"),
}
# aiosmtpd logs every sender and recipient address at INFO; addresses are PHI (X1).
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class _SaveToFolder:
    """aiosmtpd handler: writes each message whole, then renames it into place. An address
    whose local part starts with "bounce" is refused (550), as a mailbox that does not exist
    is, so a hard bounce can be seen locally."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address.lower().startswith("bounce"):
            return "550 5.1.1 Recipient address rejected: no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}.eml"
        partial = self._folder / f".{name}.partial"
        partial.write_bytes(envelope.original_content or envelope.content)
        os.replace(partial, self._folder / name)
        return "250 Message accepted for delivery"


class MailSink:
    """An SMTP server on `host:port` that saves each message into `folder`.

    Port 0 picks a free port when the sink is made; `port` holds the one it listens on.
    """

    def __init__(self, folder: Path, host: str = "127.0.0.1", port: int = 8025) -> None:
        self.folder = folder
        self.host = host
        self.port = port or free_port(host)
        self._controller: Controller | None = None

    def start(self) -> MailSink:
        """Starts listening (in a thread of its own); returns self."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._controller = Controller(
            _SaveToFolder(self.folder), hostname=self.host, port=self.port
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stops listening; the saved messages stay."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[Path]:
        """The saved messages, oldest first."""
        return sorted(self.folder.glob("*.eml"))


def read_message(path: Path) -> EmailMessage:
    """A saved message, parsed."""
    with path.open("rb") as file:
        return BytesParser(policy=policy.default).parse(file)  # type: ignore[return-value]


def _list(folder: Path) -> None:
    for path in sorted(folder.glob("*.eml")):
        message = read_message(path)
        print(f"{path.name}  {message['Date']}  {message['To']}  {message['Subject']}")


def _show(folder: Path, file: str) -> None:
    path = Path(file) if Path(file).exists() else folder / file
    message = read_message(path)
    for header in ("Date", "From", "To", "Subject", "Message-ID"):
        print(f"{header}: {message[header]}")
    print()
    print(_text(message) or "(no plain text part)")


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    return str(body.get_content()) if body is not None else ""


def newest(folder: Path, pattern: re.Pattern[str]) -> str | None:
    """The first group of `pattern` in the newest message whose text matches, if any."""
    for path in sorted(folder.glob("*.eml"), reverse=True):
        if match := pattern.search(_text(read_message(path))):
            return match.group(1)
    return None


def main() -> None:
    folder = argparse.ArgumentParser(add_help=False)
    folder.add_argument("--folder", type=Path, default=Settings().data_dir / "mail")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", parents=[folder], help="receive mail until interrupted")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8025)
    commands.add_parser("list", parents=[folder], help="one line per message: date, to, subject")
    show = commands.add_parser("show", parents=[folder], help="print one message")
    show.add_argument("file")
    commands.add_parser("token", parents=[folder], help="print the newest invitation token")
    commands.add_parser("code", parents=[folder], help="print the newest verification code")
    args = parser.parse_args()
    if args.command == "serve":
        sink = MailSink(args.folder, args.host, args.port).start()
        print(f"mail sink on {sink.host}:{sink.port}, saving to {sink.folder}")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            sink.stop()
    elif args.command == "list":
        _list(args.folder)
    elif args.command == "show":
        _show(args.folder, args.file)
    else:
        found = newest(args.folder, PATTERNS[args.command])
        if found is None:
            raise SystemExit(f"no message in {args.folder} holds a {args.command}")
        print(found)


if __name__ == "__main__":
    main()
