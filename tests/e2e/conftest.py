"""The whole system for end-to-end tests: four services on real gRPC with their own databases,
the gateway on real HTTPS, and the local SMTP sink that keeps every message."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
import trustme
import uvicorn
from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from deploy.local.mailsink import MailSink, free_port, read_message
from gateway.app import create_app
from gateway.settings import GatewaySettings
from gateway.tls import ensure_self_signed
from services.common.server import ServiceHost
from services.common.settings import Settings
from services.enrollment.server import create_server as enrollment_server
from services.identity.server import create_server as identity_server
from services.identity.settings import IdentitySettings
from services.notify.server import create_server as notify_server
from services.notify.settings import NotifySettings
from services.proxy.server import create_server as proxy_server
from tests.conftest import issue_tls_files
from tests.e2e.browser import Portal, launched

# Cheap argon2 parameters: the production ones are exercised by the identity tests' rehash
# check and measured by `make bench`.
FAST_HASHING = IdentitySettings(argon2_time_cost=1, argon2_memory_kib=64, argon2_parallelism=1)


def eventually(find: Callable[[], object], *, seconds: float = 10.0) -> object:
    """Polls `find` until it returns something truthy, or fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := find():
            return found
        time.sleep(0.05)
    raise AssertionError(f"nothing arrived within {seconds}s")


@dataclass
class Stack:
    api: httpx.Client
    mail: MailSink
    shared: Settings
    app: FastAPI
    # The running services by name, for a test that must set up what no route can yet.
    hosts: dict[str, ServiceHost] = field(default_factory=dict)

    def mail_to(self, recipient: str, subject_contains: str) -> list[EmailMessage]:
        messages = [read_message(path) for path in self.mail.messages()]
        return [
            m for m in messages if m["To"] == recipient and subject_contains in (m["Subject"] or "")
        ]

    def wait_for_mail(self, recipient: str, subject_contains: str, count: int = 1) -> EmailMessage:
        """The newest message to `recipient` once at least `count` have arrived."""
        found = eventually(
            lambda: (m := self.mail_to(recipient, subject_contains)) and len(m) >= count and m
        )
        return found[-1]  # type: ignore[index]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


@pytest.fixture(scope="session")
def mutual_tls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A certificate for 127.0.0.1 and the CA that signed it: the whole stack runs with mutual
    TLS between the gateway and the services, as in production."""
    return issue_tls_files(trustme.CA(), tmp_path_factory.mktemp("mtls"))


@pytest.fixture
def stack(
    start_service, shared_settings, tmp_path: Path, spans, mutual_tls_files
) -> Iterator[Stack]:
    mail = MailSink(tmp_path / "mail", port=0).start()
    # The portal's address is known first, so the links in messages open the gateway's pages.
    port = free_port()
    shared = shared_settings.model_copy(
        update={**mutual_tls_files, "portal_url": f"https://127.0.0.1:{port}"}
    )
    notify = start_service(
        "notify",
        lambda s, sh: notify_server(
            s, sh, NotifySettings(smtp_port=mail.port, sms_folder=tmp_path / "sms")
        ),
        shared,
    )
    # Identity asks enrollment (I7, E13) and proxy (E13), and both ask identity: their ports are
    # chosen first, and channels connect lazily.
    enrollment_port, proxy_port = free_port(), free_port()
    shared = shared.model_copy(
        update={
            "notify_address": notify.address,
            "enrollment_address": f"127.0.0.1:{enrollment_port}",
            "proxy_address": f"127.0.0.1:{proxy_port}",
        }
    )
    identity = start_service("identity", lambda s, sh: identity_server(s, sh, FAST_HASHING), shared)
    shared = shared.model_copy(update={"identity_address": identity.address})
    enrollment = start_service("enrollment", enrollment_server, shared, port=enrollment_port)
    proxy = start_service("proxy", proxy_server, shared, port=proxy_port)
    cert, key = ensure_self_signed(tmp_path / "tls")
    app = create_app(shared, GatewaySettings(port=port))
    FastAPIInstrumentor.instrument_app(app)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            ssl_certfile=str(cert),
            ssl_keyfile=str(key),
            access_log=False,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, name="gateway", daemon=True)
    thread.start()
    eventually(lambda: server.started)
    trusted = ssl.create_default_context(cafile=str(cert))
    with httpx.Client(base_url=f"https://127.0.0.1:{port}/v1", verify=trusted, timeout=15) as api:
        hosts = {"identity": identity, "enrollment": enrollment, "proxy": proxy, "notify": notify}
        yield Stack(api=api, mail=mail, shared=shared, app=app, hosts=hosts)
    server.should_exit = True
    thread.join(10)
    mail.stop()


@pytest.fixture(scope="session")
def browser():
    """Chromium, once per test process (skipped, or failed when required, without it)."""
    yield from launched()


@pytest.fixture
def portal(browser, stack: Stack, request: pytest.FixtureRequest) -> Iterator[Portal]:
    """A fresh browser (no cookies) on the stack's portal, in English unless a test switches."""
    context = browser.new_context(ignore_https_errors=True, locale="en-US")
    yield Portal(context, stack.shared.portal_url, request.node.name)
    context.close()
