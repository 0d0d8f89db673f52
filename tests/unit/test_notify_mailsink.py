"""The local SMTP sink: it receives real SMTP and lists and shows what it kept."""

from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage

import pytest

from deploy.local import mailsink
from deploy.local.mailsink import MailSink, read_message


@pytest.fixture
def sink(tmp_path):
    sink = MailSink(tmp_path / "mail", port=0).start()
    yield sink
    sink.stop()


def deliver(sink: MailSink, subject: str, body: str = "hello there") -> None:
    message = EmailMessage()
    message["From"] = "no-reply@vestibule.localhost"
    message["To"] = "jane.doe@example.com"
    message["Subject"] = subject
    message["Date"] = "Sun, 22 Nov 2026 04:00:00 +0000"
    message.set_content(body)
    with smtplib.SMTP(sink.host, sink.port, timeout=5) as smtp:
        smtp.send_message(message)


def run_cli(monkeypatch, *args: str) -> None:
    monkeypatch.setattr(sys, "argv", ["mailsink", *args])
    mailsink.main()


# rule N1
def test_sink_saves_each_message_as_an_eml_file_N1(sink):
    deliver(sink, "first")
    deliver(sink, "second")
    assert [read_message(path)["Subject"] for path in sink.messages()] == ["first", "second"]


# rule N1
def test_list_prints_file_date_recipient_and_subject_N1(sink, monkeypatch, capsys):
    deliver(sink, "Your verification code")
    run_cli(monkeypatch, "list", "--folder", str(sink.folder))
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(sink.messages()[0].name)
    assert "jane.doe@example.com" in line and "Your verification code" in line


# rule N1
def test_show_prints_headers_and_body_N1(sink, monkeypatch, capsys):
    deliver(sink, "Hi")
    run_cli(monkeypatch, "show", sink.messages()[0].name, "--folder", str(sink.folder))
    out = capsys.readouterr().out
    assert "Subject: Hi" in out and "hello there" in out


# rule N1
def test_token_prints_the_newest_invitation_token_N1(sink, monkeypatch, capsys):
    deliver(sink, "Invitation", "Open https://portal.example.org/activate#token=old-Tok_1 now.")
    deliver(sink, "Invitation", "Open https://portal.example.org/activate#token=new-Tok_2 now.")
    deliver(sink, "Code", "Your verification code is 123456. It expires in 10 minutes.")
    run_cli(monkeypatch, "token", "--folder", str(sink.folder))
    assert capsys.readouterr().out.strip() == "new-Tok_2"


# rule N2
def test_code_prints_the_newest_verification_code_N2(sink, monkeypatch, capsys):
    deliver(sink, "Code", "Your verification code is 123456. It expires in 10 minutes.")
    deliver(sink, "Code", "Your verification code is 654321. It expires in 10 minutes.")
    run_cli(monkeypatch, "code", "--folder", str(sink.folder))
    assert capsys.readouterr().out.strip() == "654321"
