"""`make run`'s local mail sink: it listens where notify sends mail (VESTIBULE_NOTIFY_SMTP_PORT),
and a port something else holds ends the run with one line, not a traceback."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
from email.message import EmailMessage

import pytest

from deploy.local import run
from deploy.local.mailsink import free_port, read_message
from services.common.settings import DEFAULT_PORTS
from services.notify.settings import NotifySettings

# Far longer than the refusal takes (it comes before migrations or any service starts).
RUN_TIMEOUT_SECONDS = 60


def test_the_mail_sink_listens_on_the_port_notify_sends_to(monkeypatch, tmp_path):
    monkeypatch.setenv("VESTIBULE_NOTIFY_SMTP_PORT", str(free_port()))
    notify = NotifySettings()
    sink = run.mail_sink(tmp_path / "mail")
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", "hi"
        message.set_content("hello")
        with smtplib.SMTP(notify.smtp_host, notify.smtp_port, timeout=5) as smtp:
            smtp.send_message(message)
        assert [read_message(path)["Subject"] for path in sink.messages()] == ["hi"]
    finally:
        sink.stop()


def _own_ports() -> dict[str, str]:
    """Free ports for every process `make run` would start, so this run never meets another."""
    ports = {f"VESTIBULE_{name.upper()}": free_port() for name in DEFAULT_PORTS}
    return {
        "VESTIBULE_GATEWAY_PORT": str(free_port()),
        **{f"{prefix}_PORT": str(port) for prefix, port in ports.items()},
        **{f"{prefix}_ADDRESS": f"127.0.0.1:{port}" for prefix, port in ports.items()},
    }


def test_a_taken_mail_port_ends_make_run_with_one_clear_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        environment = {
            **os.environ,
            **_own_ports(),
            "VESTIBULE_DATA_DIR": str(tmp_path / "data"),
            "VESTIBULE_NOTIFY_SMTP_PORT": str(port),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "deploy.local.run"],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            _, errors = process.communicate(timeout=RUN_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGTERM)
            process.communicate(timeout=30)
            pytest.fail("make run started instead of refusing the taken port")
    assert process.returncode != 0
    assert "Traceback" not in errors
    (line,) = errors.strip().splitlines()
    assert f"127.0.0.1:{port}" in line
    assert "in use" in line and "VESTIBULE_NOTIFY_SMTP_PORT" in line
