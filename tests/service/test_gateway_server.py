"""`python -m gateway` serves HTTPS with its own certificate and logs no URLs' query strings."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def gateway_process(tmp_path):
    port = _free_port()
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "VESTIBULE_DATA_DIR": str(tmp_path),
        "VESTIBULE_GATEWAY_PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway"],
        env=environment,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    yield process, f"https://127.0.0.1:{port}", tmp_path / "tls" / "localhost.crt"
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


def _get_when_up(url: str, certificate: Path) -> httpx.Response:
    deadline = time.monotonic() + 20
    while True:
        try:
            trust = ssl.create_default_context(cafile=certificate)
            return httpx.get(url, verify=trust, headers={"X-Request-ID": "probe-1"})
        except (httpx.ConnectError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


# rule X1, X4
def test_serves_https_and_logs_one_line_per_request_without_query_X1_X4(gateway_process):
    process, base_url, certificate = gateway_process
    response = _get_when_up(f"{base_url}/healthz?token=very-secret", certificate)
    assert response.json() == {"status": "ok"}
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=10)
    assert "very-secret" not in errors
    lines = [json.loads(line) for line in errors.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line["msg"] == "request"]
    assert requests == [
        {
            **requests[0],
            "route": "GET /healthz",
            "status": 200,
            "request_id": "probe-1",
        }
    ]
