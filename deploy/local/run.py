"""`make run`: every service, the gateway, and the local mail and SMS sinks on this machine,
with SQLite files under the data folder and demo data to walk through an enrollment."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from deploy.local import demo
from deploy.local.mailsink import MailSink, start_sink
from services.common.clients import channel_to
from services.common.migrate import SERVICES, upgrade
from services.common.settings import ServiceSettings, Settings
from services.notify.settings import NotifySettings

STARTUP_SECONDS = 30


def _secret_key(data_dir: Path) -> str:
    """The embedded default's secret key: made once, kept in the data folder (owner-only)."""
    path = data_dir / "secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _wait_until_serving(shared: Settings, name: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    address = shared.address_of(name)
    with channel_to(shared, name) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(
                    f"{name} exited during start-up (code {process.returncode}); see its log above"
                )
            try:
                answer = stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                time.sleep(0.2)
    raise SystemExit(f"{name} did not become healthy at {address} within {STARTUP_SECONDS}s")


def mail_sink(folder: Path) -> MailSink:
    """The local mail sink, started on the port notify sends mail to
    (VESTIBULE_NOTIFY_SMTP_PORT, 8025); one line and SystemExit when that port is taken."""
    return start_sink(folder, NotifySettings().smtp_port)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # Ctrl-C and SIGTERM both stop everything, even when started where SIGINT is ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    environment = dict(os.environ)
    data_dir = Path(environment.get("VESTIBULE_DATA_DIR", ".data")).resolve()
    environment["VESTIBULE_DATA_DIR"] = str(data_dir)
    environment.setdefault("VESTIBULE_SECRET_KEY", _secret_key(data_dir))
    os.environ.update(environment)
    shared = Settings()  # type: ignore[call-arg]
    print(f"Vestibule's patient portal: {shared.portal_url}  (starting…)", flush=True)
    # First, so a taken port ends the run with one line before anything else has started.
    mail_folder = data_dir / "mail"
    sink = mail_sink(mail_folder)
    children: list[tuple[str, subprocess.Popen[bytes]]] = []

    def stop_all(*_: object) -> None:
        for _name, child in reversed(children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for _name, child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        sink.stop()

    try:
        for service in SERVICES:
            upgrade(service, ServiceSettings.for_service(service, shared).database_url)
        for service in ("notify", "identity", "enrollment", "proxy"):
            child = subprocess.Popen(  # noqa: S603 - our own modules
                [sys.executable, "-m", f"services.{service}.server"], env=environment
            )
            children.append((service, child))
            _wait_until_serving(shared, service, child)
        credentials = demo.seed(shared)
        gateway = subprocess.Popen([sys.executable, "-m", "gateway"], env=environment)
        children.append(("gateway", gateway))
        print(demo.banner(shared, credentials, mail_folder), flush=True)
        while all(child.poll() is None for _name, child in children):
            time.sleep(0.5)
        failed = [name for name, child in children if child.poll() is not None]
        print(f"stopped because {', '.join(failed)} exited", file=sys.stderr)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    finally:
        stop_all()


if __name__ == "__main__":
    main()
