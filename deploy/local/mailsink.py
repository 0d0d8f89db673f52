"""The local SMTP sink: a real SMTP server that keeps every message as a .eml file; and what
the local sinks kept, mail and SMS (`<reference>.json` from notify's SMS folder) together.

python -m deploy.local.mailsink serve [--folder F] [--port P]  # P: VESTIBULE_NOTIFY_SMTP_PORT
python -m deploy.local.mailsink list [--folder F] [--sms-folder S]   # newest first (`make sent`)
python -m deploy.local.mailsink show FILE [--folder F] [--sms-folder S]
python -m deploy.local.mailsink token [--folder F] [--sms-folder S]  # the newest invitation token
python -m deploy.local.mailsink code [--folder F] [--sms-folder S]   # the newest verification code
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import re
import socket
import sys
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from services.common.settings import Settings
from services.notify.settings import NotifySettings

# What `token` and `code` pick out of the newest message that has one.
PATTERNS = {
    "token": re.compile(r"[#?&]token=([A-Za-z0-9_-]+)"),
    "code": re.compile(r"verification code is (\d+)"),
}
# aiosmtpd logs every sender and recipient address at INFO; addresses are PHI (X1).
logging.getLogger("mail.log").setLevel(logging.WARNING)
# How a saved message's file name starts: the moment the sink received it.
RECEIVED = "%Y%m%dT%H%M%S%fZ"
# How much of a text message `list` shows.
PREVIEW = 72


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
        name = f"{datetime.now(UTC):{RECEIVED}}-{uuid.uuid4().hex[:8]}.eml"
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


def start_sink(folder: Path, port: int, host: str = "127.0.0.1") -> MailSink:
    """A started sink on `host:port`; when it cannot listen there (another stack or program
    holds the port), SystemExit with one line that says what to do."""
    try:
        return MailSink(folder, host, port).start()
    except OSError as error:
        why = (
            "is in use" if error.errno == errno.EADDRINUSE else f"cannot be used ({error.strerror})"
        )
        raise SystemExit(
            f"The local mail sink cannot listen on {host}:{port}: the port {why}. Stop what "
            f"listens there, or set VESTIBULE_NOTIFY_SMTP_PORT (where notify sends mail) to a "
            f"free port, e.g. VESTIBULE_NOTIFY_SMTP_PORT={port + 1}."
        ) from None


def read_message(path: Path) -> EmailMessage:
    """A saved message, parsed."""
    with path.open("rb") as file:
        return BytesParser(policy=policy.default).parse(file)  # type: ignore[return-value]


@dataclass(frozen=True)
class Sent:
    """One message a local sink kept: an email or a text message."""

    path: Path
    channel: str  # "mail" or "sms"
    at: datetime
    to: str
    title: str  # an email's subject; a text message's first words
    text: str  # an email's plain text; a text message whole


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    return str(body.get_content()) if body is not None else ""


def _received(path: Path) -> datetime:
    try:
        return datetime.strptime(path.name.partition("-")[0], RECEIVED).replace(tzinfo=UTC)
    except ValueError:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def read_sent(path: Path) -> Sent:
    """A saved email (.eml) or text message (.json), read."""
    if path.suffix == ".json":
        record = json.loads(path.read_text(encoding="utf-8"))
        at = datetime.fromisoformat(record["sent_at"])
        body = str(record["body"])
        title = body if len(body) <= PREVIEW else body[: PREVIEW - 1] + "…"
        return Sent(path, "sms", at, str(record["to"]), title, body)
    message = read_message(path)
    return Sent(path, "mail", _received(path), message["To"], message["Subject"], _text(message))


def sent(mail_folder: Path, sms_folder: Path) -> list[Sent]:
    """Every email and text message the local sinks kept, newest first."""
    paths = [*mail_folder.glob("*.eml"), *sms_folder.glob("*.json")]
    return sorted(map(read_sent, paths), key=lambda message: message.at, reverse=True)


def _list(mail_folder: Path, sms_folder: Path) -> None:
    messages = sent(mail_folder, sms_folder)
    if not messages:
        print(f"nothing sent yet (mail: {mail_folder}, SMS: {sms_folder})", file=sys.stderr)
    for message in messages:
        when = message.at.astimezone(UTC)
        print(
            f"{when:%Y-%m-%d %H:%M:%S}Z  {message.channel:<4}  {message.path.name}  "
            f"{message.to}  {message.title}"
        )


def _show(mail_folder: Path, sms_folder: Path, file: str) -> None:
    candidates = [Path(file), mail_folder / file, sms_folder / file]
    path = next((path for path in candidates if path.is_file()), None)
    if path is None:
        raise SystemExit(f"no message {file} in {mail_folder} or {sms_folder}")
    if path.suffix == ".json":
        message = read_sent(path)
        print(f"Sent: {message.at.astimezone(UTC):%Y-%m-%d %H:%M:%S}Z")
        print(f"To: {message.to}")
        print()
        print(message.text)
        return
    email = read_message(path)
    for header in ("Date", "From", "To", "Subject", "Message-ID"):
        print(f"{header}: {email[header]}")
    print()
    print(_text(email) or "(no plain text part)")


def newest(mail_folder: Path, sms_folder: Path, pattern: re.Pattern[str]) -> str | None:
    """The first group of `pattern` in the newest message, mail or SMS, whose text matches."""
    for message in sent(mail_folder, sms_folder):
        if match := pattern.search(message.text):
            return match.group(1)
    return None


def main() -> None:
    data_dir = Settings().data_dir
    folder = argparse.ArgumentParser(add_help=False)
    folder.add_argument("--folder", type=Path, default=data_dir / "mail")
    folders = argparse.ArgumentParser(add_help=False, parents=[folder])
    folders.add_argument("--sms-folder", type=Path, default=data_dir / "sms")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", parents=[folder], help="receive mail until interrupted")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, help="default: VESTIBULE_NOTIFY_SMTP_PORT (8025)")
    commands.add_parser(
        "list", parents=[folders], help="mail and SMS, newest first: when, mail/sms, file, to, what"
    )
    show = commands.add_parser("show", parents=[folders], help="print one message")
    show.add_argument("file")
    commands.add_parser("token", parents=[folders], help="print the newest invitation token")
    commands.add_parser("code", parents=[folders], help="print the newest verification code")
    args = parser.parse_args()
    if args.command == "serve":
        port = NotifySettings().smtp_port if args.port is None else args.port
        sink = start_sink(args.folder, port, args.host)
        print(f"mail sink on {sink.host}:{sink.port}, saving to {sink.folder}")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            sink.stop()
    elif args.command == "list":
        _list(args.folder, args.sms_folder)
    elif args.command == "show":
        _show(args.folder, args.sms_folder, args.file)
    else:
        found = newest(args.folder, args.sms_folder, PATTERNS[args.command])
        if found is None:
            raise SystemExit(
                f"no message in {args.folder} or {args.sms_folder} holds a {args.command}"
            )
        print(found)


if __name__ == "__main__":
    main()
